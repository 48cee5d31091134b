"""The special hours file (rule 10): found beside the other files or given with --special-hours, checked like them,
and loaded so that a store's rows for a date are replaced by the file's rows for that date."""

import csv
from datetime import date, time
from pathlib import Path

import asyncpg
import pytest

from app.config import Settings
from app.ingest import ingest

HEADER = "store_id,date_local,start_time_local,end_time_local"


def write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def read_rejects(path: Path) -> list[tuple[int, str]]:
    with path.open(newline="") as f:
        return [(int(r["line"]), r["reason"]) for r in csv.DictReader(f)]


async def stored(settings: Settings) -> list[tuple]:
    conn = await asyncpg.connect(settings.dsn())
    try:
        rows = await conn.fetch("select store_id, date_local, start_time_local, end_time_local from special_hours "
                                "order by 1, 2, 3 nulls first, 4")
    finally:
        await conn.close()
    return [tuple(r) for r in rows]


async def load(settings: Settings, tmp_path: Path, source: Path | None = None, **kwargs):
    return await ingest(settings, source, progress=False, rejects=tmp_path / "rejects.csv", **kwargs)


@pytest.mark.parametrize("header", [HEADER, "Store_ID,date,end_time_local,start_time_local"])
async def test_bad_rows_are_rejected_with_line_and_reason(db_settings, tmp_path, header):
    rows = [  # (store_id, date, start, end, reason)
        ("a", "2024-03-10", "", "", None),
        ("a", "2024-03-09", "10:00:00", "15:00:00", None),
        ("a", "2024-03-09", "18:00", "02:00:00", None),
        ("b", " 2024-02-29 ", " 09:00:00 ", "17:00:00", None),
        ("b", "2023-02-29", "", "", "bad date_local '2023-02-29' (YYYY-MM-DD)"),
        ("b", "2024-13-01", "", "", "bad date_local '2024-13-01' (YYYY-MM-DD)"),
        ("b", "10/03/2024", "", "", "bad date_local '10/03/2024' (YYYY-MM-DD)"),
        ("b", "", "", "", "bad date_local '' (YYYY-MM-DD)"),
        ("b", "1999-12-31", "", "", "date_local '1999-12-31' outside the accepted years 2000 to"),
        ("c", "2024-03-10", "10:00:00", "", "give both start_time_local and end_time_local, or neither for a "
                                              "closed date"),
        ("c", "2024-03-10", "", "17:00:00", "give both start_time_local and end_time_local, or neither for a "
                                              "closed date"),
        ("c", "2024-03-10", "25:00:00", "17:00:00", "bad start_time_local '25:00:00'"),
        ("c", "2024-03-10", "09:00:00", "noon", "bad end_time_local 'noon'"),
        ("", "2024-03-10", "", "", "empty store_id"),
        ("x" * 256, "2024-03-10", "", "", "store_id longer than 255 bytes"),
    ]
    order = [c.strip().lower().replace("date_local", "date") for c in header.split(",")]
    index = {"store_id": 0, "date": 1, "start_time_local": 2, "end_time_local": 3}
    lines = [header] + [",".join(r[index[c]] for c in order) for r in rows] + ["a,2024-03-11", ""]
    result = await load(db_settings, tmp_path, special_hours=write(tmp_path / "special.csv", lines))
    (special,) = result.files
    rejects = read_rejects(result.rejects_path)
    expected = [(line, r[4]) for line, r in enumerate(rows, start=2) if r[4]]
    expected.append((len(rows) + 2, "wrong column count: expected 4, got 2"))
    assert [(line, reason[:len(want)]) for (line, reason), (_, want) in zip(rejects, expected)] == expected
    assert (special.read, special.loaded, special.rejected) == (len(rows) + 1, 4, len(expected))
    assert await stored(db_settings) == [
        ("a", date(2024, 3, 9), time(10), time(15)), ("a", date(2024, 3, 9), time(18), time(2)),
        ("a", date(2024, 3, 10), None, None), ("b", date(2024, 2, 29), time(9), time(17))]


async def test_found_beside_the_other_files_and_reloaded_idempotently(db_settings, tmp_path):
    folder = tmp_path / "data"
    write(folder / "special_hours.csv", [HEADER, "a,2024-03-10,,", "a,2024-03-11,09:00:00,12:00:00",
                                         "a,2024-03-11,09:00:00,12:00:00", "b,2024-03-10,,"])
    write(folder / "timezones.csv", ["store_id,timezone_str", "a,Europe/Paris"])
    first = await load(db_settings, tmp_path, folder)
    assert first.ok and (first.file("special_hours").loaded, first.file("special_hours").duplicates) == (3, 1)
    before = await stored(db_settings)
    again = await load(db_settings, tmp_path, folder)
    assert (again.file("special_hours").loaded, again.file("special_hours").duplicates) == (0, 4)
    assert await stored(db_settings) == before

    # A later file replaces a store's rows for the dates it names, and only those.
    later = write(tmp_path / "later.csv", [HEADER, "a,2024-03-10,11:00:00,15:00:00", "a,2024-03-10,17:00,21:00",
                                           "c,2024-03-12,,"])
    result = await load(db_settings, tmp_path, special_hours=later)
    assert result.file("special_hours").loaded == 3
    assert await stored(db_settings) == [
        ("a", date(2024, 3, 10), time(11), time(15)), ("a", date(2024, 3, 10), time(17), time(21)),
        ("a", date(2024, 3, 11), time(9), time(12)), ("b", date(2024, 3, 10), None, None),
        ("c", date(2024, 3, 12), None, None)]
