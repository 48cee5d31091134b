"""The line bounds (app/ingest/limits.py) through the whole command: a huge store id, dates far outside the accepted
years and over-long lines are rejected with their line and reason, the good rows beside them load, and the command
says so by its exit status, without a traceback."""

import asyncio
import csv
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from app import cli
from app.config import Settings

STATUS_HEADER = b"store_id,status,timestamp_utc\n"


def read_rejects(path: Path) -> list[tuple[str, int, str, str]]:
    csv.field_size_limit(1 << 24)
    with path.open(newline="") as f:
        return [(r["file"], int(r["line"]), r["reason"], r["raw"]) for r in csv.DictReader(f)]


async def fetch(settings: Settings, sql: str) -> list[tuple]:
    conn = await asyncpg.connect(settings.dsn())
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


@pytest.fixture
def run(db_settings, monkeypatch, capsys):
    monkeypatch.setattr(cli, "get_settings", lambda: db_settings)

    def run(*args: str) -> tuple[int, str, str]:
        status = cli.main(["ingest", *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return status, out, err

    return run


def test_huge_store_id_and_extreme_timestamps_beside_good_rows(db_settings, tmp_path, run):
    next_year = datetime.now(UTC).year + 1
    lines = [
        b"x" * 20_000_000 + b",active,2024-03-14 10:00:00 UTC",  # line 2: 20 MB, read in many blocks
        b"good1,active,2024-03-14 10:00:00 UTC",
        b"s,active,9999-12-31 23:59:59 UTC",
        b"s,active,0001-01-01 00:00:00 UTC",
        b"s,active,1999-12-31 23:59:59 UTC",
        b"s,active,2000-01-01 00:30:00+01:00",  # 1999-12-31 23:30 UTC
        b"good2,inactive,2000-01-01 00:00:00 UTC",
        b"y" * 256 + b",active,2024-03-14 10:00:00 UTC",
        b"good3,active,%d-12-31 23:59:59.999999 UTC" % next_year,
        b"s,active,%d-01-01 00:00:00 UTC" % (next_year + 1),
        b"good4," + b" " * 5000 + b"active,2024-03-14 10:00:00 UTC",
    ]
    path = tmp_path / "store_status.csv"
    path.write_bytes(STATUS_HEADER + b"\n".join(lines) + b"\n")
    status, out, _ = run("--status", str(path), "--rejects", str(tmp_path / "rejects.csv"), "--workers", "2")
    assert status == cli.INGEST_ROWS_REJECTED and "store_status.csv" in out
    rejects = read_rejects(tmp_path / "rejects.csv")
    years = f"2000-01-01 to {next_year}-12-31 UTC"
    assert [r[1:3] for r in rejects] == [
        (2, "line longer than 4096 bytes"),
        (4, f"timestamp_utc '9999-12-31 23:59:59 UTC' outside the accepted range {years}"),
        (5, "unparseable timestamp_utc '0001-01-01 00:00:00 UTC'"),
        (6, f"timestamp_utc '1999-12-31 23:59:59 UTC' outside the accepted range {years}"),
        (7, f"timestamp_utc '2000-01-01 00:30:00+01:00' outside the accepted range {years}"),
        (9, "store_id longer than 255 bytes"),
        (11, f"timestamp_utc '{next_year + 1}-01-01 00:00:00 UTC' outside the accepted range {years}"),
        (12, "line longer than 4096 bytes"),
    ]
    assert rejects[0][3] == "x" * 1000 + "…"  # the rejects file shows the start of a long line
    polls = asyncio.run(fetch(db_settings, "select store_id from store_status order by 1"))
    assert polls == [("good1",), ("good2",), ("good3",)]


def test_limits_are_settings(db_settings, tmp_path, monkeypatch):
    strict = db_settings.model_copy(update={"ingest_max_store_id_bytes": 4, "ingest_max_line_bytes": 200,
                                            "ingest_first_year": 2024, "ingest_last_year": 2024})
    monkeypatch.setattr(cli, "get_settings", lambda: strict)
    path = tmp_path / "store_status.csv"
    path.write_bytes(STATUS_HEADER + b"abcd,active,2024-03-14 10:00:00 UTC\nabcde,active,2024-03-14 10:00:00 UTC\n"
                     b"abc,active,2023-12-31 23:59:59 UTC\nabc,active,2025-01-01 00:00:00 UTC\n")
    hours = tmp_path / "menu_hours.csv"
    hours.write_bytes(b"store_id,dayOfWeek,start_time_local,end_time_local\nabcd,0,09:00,17:00\n"
                      b"abcde,0,09:00,17:00\nabc,0,09:00,17:00" + b" " * 200 + b"\n")
    assert cli.main(["ingest", "--status", str(path), "--hours", str(hours), "--rejects",
                     str(tmp_path / "r.csv")]) == cli.INGEST_ROWS_REJECTED
    assert [r[:3] for r in read_rejects(tmp_path / "r.csv")] == [
        ("menu_hours.csv", 3, "store_id longer than 4 bytes"), ("menu_hours.csv", 4, "line longer than 200 bytes"),
        ("store_status.csv", 3, "store_id longer than 4 bytes"),
        ("store_status.csv", 4, "timestamp_utc '2023-12-31 23:59:59 UTC' outside the accepted range "
                                "2024-01-01 to 2024-12-31 UTC"),
        ("store_status.csv", 5, "timestamp_utc '2025-01-01 00:00:00 UTC' outside the accepted range "
                                "2024-01-01 to 2024-12-31 UTC")]


def test_files_the_loader_cannot_use_are_one_line_errors(db_settings, tmp_path, run):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "store_status.csv").write_bytes(b"")
    (folder / "timezones.csv").write_bytes(b"store_id,timezone_str\nz1,Asia/Tokyo\n")
    (folder / "menu_hours.csv").write_bytes(b"store_id,dayOfWeek,start_time_local,end_time_local\n")
    status, out, _ = run(str(folder), "--rejects", str(tmp_path / "r.csv"))
    assert status == 1
    assert "store_status.csv             FAILED: empty file or blank header line" in out
    assert asyncio.run(fetch(db_settings, "select * from store_timezone")) == [("z1", "Asia/Tokyo")]
    status, _, err = run(str(tmp_path / "nothing-here"))
    assert status == 1 and err.startswith("error: ") and err.count("\n") == 1
