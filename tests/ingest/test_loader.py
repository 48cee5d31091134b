"""The loader (`python -m app ingest`) against a real database: every kind of bad input, line numbers across
byte ranges, idempotent reloads, and the bulk load from outside (timescaledb-parallel-copy reproduced)."""

import asyncio
import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

import asyncpg
import numpy as np
import pytest

from app import cli
from app.config import Settings
from app.db.connect import create_pool
from app.errors import IngestError
from app.ingest import ingest, poll_check
from app.ingest.parallel_copy import split_ranges
from app.ingest.sources import STATUS, read_header
from app.report.engine import newest_poll, run_report
from app.sample import generate_sample
from tests.support.cases import utc
from tests.support.database import fetch
from tests.support.reports import create_report, stored_rows

STATUS_HEADER = "store_id,status,timestamp_utc"
HOURS_HEADER = "store_id,dayOfWeek,start_time_local,end_time_local"
TZ_HEADER = "store_id,timezone_str"


def write(path: Path, lines: list[str], newline: str = "\n", final_newline: bool = True) -> Path:
    text = newline.join(lines) + (newline if final_newline else "")
    path.write_bytes(text.encode())
    return path


def read_rejects(path: Path) -> list[tuple[str, int, str, str]]:
    with path.open(newline="") as f:
        return [(r["file"], int(r["line"]), r["reason"], r["raw"]) for r in csv.DictReader(f)]


async def fetch_polls(settings: Settings) -> list[tuple[str, str, datetime]]:
    conn = await asyncpg.connect(settings.dsn())
    try:
        rows = await conn.fetch("select store_id, status::text, timestamp_utc from store_status order by 1, 3, 2")
    finally:
        await conn.close()
    return [tuple(r) for r in rows]


async def load(settings: Settings, tmp_path: Path, source: Path | None = None, **kwargs):
    return await ingest(settings, source, progress=False, rejects=tmp_path / "rejects.csv", **kwargs)


# --- missing files and bad headers ---------------------------------------------------------------------------


async def test_explicit_flag_to_a_missing_file_names_it(db_settings, tmp_path):
    missing = tmp_path / "nope" / "store_status.csv"
    with pytest.raises(IngestError, match=f"{missing}: no such file"):
        await load(db_settings, tmp_path, status=missing)
    assert await fetch_polls(db_settings) == []


async def test_folder_without_any_input_file_is_an_error(db_settings, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder / "notes.csv", ["a,b", "1,2"])
    with pytest.raises(IngestError, match="none of the input files found.*store_status.csv"):
        await load(db_settings, tmp_path, folder)


async def test_header_without_the_needed_columns_fails_that_file_only(db_settings, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder / "store_status.csv", ["store_id,state,when", "s1,active,2024-03-14 10:00:00 UTC"])
    write(folder / "timezones.csv", [TZ_HEADER, "s1,America/Denver"])
    result = await load(db_settings, tmp_path, folder)
    assert not result.ok
    status = next(f for f in result.files if f.kind == "status")
    assert "'store_id,state,when'" in status.error and "status, timestamp_utc" in status.error
    assert await fetch_polls(db_settings) == []
    assert await fetch(db_settings, "select store_id, timezone_str from store_timezone") == [("s1", "America/Denver")]


def test_cli_exits_non_zero_naming_the_file_and_columns(db_settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "get_settings", lambda: db_settings)
    bad = write(tmp_path / "polls.csv", ["store_id,timestamp_utc", "s1,2024-03-14 10:00:00 UTC"])
    assert cli.main(["ingest", "--status", str(bad), "--rejects", str(tmp_path / "r.csv")]) == 1
    out = capsys.readouterr().out
    assert "polls.csv" in out and "FAILED" in out and "lacks the column(s) status" in out
    assert asyncio.run(fetch_polls(db_settings)) == []

    assert cli.main(["ingest", "--status", str(tmp_path / "missing.csv")]) == 1
    assert f"{tmp_path / 'missing.csv'}: no such file" in capsys.readouterr().err

    good = write(tmp_path / "good.csv", [STATUS_HEADER, "s1,active,2024-03-14 10:00:00 UTC"])
    assert cli.main(["ingest", "--status", str(good), "--rejects", str(tmp_path / "r.csv")]) == 0


# --- bad rows in the polls file --------------------------------------------------------------------------------

# (line content, the reject reason or None for a row that loads); the header is line 1.
POLL_LINES = [
    ("s1,active,2024-03-14 10:00:00.123456 UTC", None),
    ("s1, Active ,2024-03-14 11:00:00 UTC", None),
    ("s2,INACTIVE,2024-03-14T10:00:00Z", None),
    ("s2,inactive,2024-03-14 12:00:00+00:00", None),
    ("", None),  # blank: skipped, neither loaded nor rejected
    ("s3,active,not a time", "unparseable timestamp_utc 'not a time'"),
    ("s3,active,2023-02-30 10:00:00 UTC", "unparseable timestamp_utc '2023-02-30 10:00:00 UTC'"),
    ("s3,maybe,2024-03-14 10:00:00 UTC", "status must be active or inactive, got 'maybe'"),
    (",active,2024-03-14 10:00:00 UTC", "empty store_id"),
    ('"  ",active,2024-03-14 10:00:00 UTC', "empty store_id"),
    ("s4,active,2024-03-14 10:00:00 UTC,extra", "wrong column count: expected 3, got 4"),
    ("s4,active", "wrong column count: expected 3, got 2"),
    ('"s,5",active,2024-03-14 10:00:00 UTC', None),
    ('"s,6",active', "wrong column count: expected 3, got 2"),
    ('s7,"active",2024-03-14 10:00:00 UTC', None),
    ("s8,active,2024-03-14 10:00", "unparseable timestamp_utc '2024-03-14 10:00'"),
    ("s9,active,2024-03-14 24:00:00 UTC", "unparseable timestamp_utc '2024-03-14 24:00:00 UTC'"),
    ("s10,active,2024-13-01 00:00:00 UTC", "unparseable timestamp_utc '2024-13-01 00:00:00 UTC'"),
    ("s11,active,2024-02-29 00:00:00 UTC", None),
    ("s11,active,2023-02-29 00:00:00 UTC", "unparseable timestamp_utc '2023-02-29 00:00:00 UTC'"),
    ("s12,active,now", "unparseable timestamp_utc 'now'"),
    ('s12,"act,ive",2024-03-14 10:00:00 UTC', "status must be active or inactive, got 'act,ive'"),
    ('s13,active,"2024-03-14 10:00:00 UTC', "unbalanced double quote"),
    ("s14,inactive,2024-03-14 10:00:00.5 UTC", None),
]
EXPECTED_POLLS = sorted([
    ("s1", "active", utc("2024-03-14 10:00:00.123456")),
    ("s1", "active", utc("2024-03-14 11:00:00")),
    ("s11", "active", utc("2024-02-29 00:00:00")),
    ("s14", "inactive", utc("2024-03-14 10:00:00.5")),
    ("s2", "inactive", utc("2024-03-14 10:00:00")),
    ("s2", "inactive", utc("2024-03-14 12:00:00")),
    ("s,5", "active", utc("2024-03-14 10:00:00")),
    ("s7", "active", utc("2024-03-14 10:00:00")),
], key=lambda r: (r[0], r[2], r[1]))


def expected_rejects(name: str, lines=POLL_LINES, first_line: int = 2) -> list[tuple[str, int, str]]:
    return [(name, first_line + i, reason) for i, (_, reason) in enumerate(lines) if reason]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
async def test_bad_poll_rows_are_rejected_with_line_and_reason(db_settings, tmp_path, newline):
    path = write(tmp_path / "store_status.csv", [STATUS_HEADER] + [line for line, _ in POLL_LINES], newline,
                 final_newline=False)
    result = await load(db_settings, tmp_path, status=path)
    assert result.ok
    (status,) = result.files
    rejected = expected_rejects("store_status.csv")
    assert (status.read, status.loaded, status.rejected) == (len(EXPECTED_POLLS) + len(rejected),
                                                             len(EXPECTED_POLLS), len(rejected))
    assert [r[:3] for r in read_rejects(result.rejects_path)] == rejected
    raw = {line: content for (content, _), line in zip(POLL_LINES, range(2, 100))}
    assert all(r[3] == raw[r[1]] for r in read_rejects(result.rejects_path))
    assert await fetch_polls(db_settings) == EXPECTED_POLLS


async def test_invalid_utf8_and_nul_bytes_are_rejected_with_their_line(db_settings, tmp_path):
    lines = [f"s{i},active,2024-03-14 10:{i:02d}:00 UTC".encode() for i in range(20)]
    lines[5] = b"s\xff\xfe,active,2024-03-14 10:05:00 UTC"
    lines[9] = b"s\x009,active,2024-03-14 10:09:00 UTC"
    lines[12] = b"s12,Active,2024-03-14 10:12:00 UTC"
    path = tmp_path / "store_status.csv"
    path.write_bytes(b"\n".join([STATUS_HEADER.encode(), *lines]) + b"\n")
    result = await load(db_settings, tmp_path, status=path)
    (status,) = result.files
    assert (status.read, status.loaded, status.rejected) == (20, 18, 2)
    rejects = read_rejects(result.rejects_path)
    assert [r[1:] for r in rejects] == [(7, "not valid UTF-8", "s\ufffd\ufffd,active,2024-03-14 10:05:00 UTC"),
                                        (11, "NUL character", "s\ufffd9,active,2024-03-14 10:09:00 UTC")]
    polls = await fetch_polls(db_settings)
    assert len(polls) == 18 and ("s12", "active", utc("2024-03-14 10:12:00")) in polls


async def test_a_row_postgres_refuses_fails_the_file_naming_the_line(db_settings, tmp_path, monkeypatch):
    """The safety net: were the checks ever to let through a row that COPY refuses, the file fails as a whole."""
    flag_lines = poll_check.flag_lines

    def flag_only_blank_lines(block, positions, limits):
        verdict = flag_lines(block, positions, limits)
        blank = [i for i, line in enumerate(block.split(b"\n")[:-1]) if not line]
        return verdict._replace(flagged=np.array(blank, dtype=np.int64))

    monkeypatch.setattr(poll_check, "flag_lines", flag_only_blank_lines)
    lines = [STATUS_HEADER, "", "s1,active,2024-03-14 10:00:00 UTC"] + [
        f"s{i},active,2024-03-14 10:00:00 UTC" for i in range(2, 9)] + ["s9,maybe,2024-03-14 10:00:00 UTC"]
    path = write(tmp_path / "store_status.csv", lines)
    result = await load(db_settings, tmp_path, status=path)
    assert not result.ok
    assert result.files[0].error.startswith("line 11: PostgreSQL refused a row that passed the checks")
    assert await fetch_polls(db_settings) == []


async def test_offsets_across_midnight_and_days_counted_again_in_sql(db_settings, tmp_path, monkeypatch):
    """The line checks count the polls per UTC day (an offset can move a poll to the day before or after); the
    move is planned from those counts, or from a count in SQL should they not add up."""
    lines = [STATUS_HEADER, "o1,active,2024-03-14 23:30:00-02:00", "o2,active,2024-03-15 00:30:00+05:00",
             "o3,active,2024-03-13 12:00:00 +0000", "o4,active,2024-03-16T01:00:00+0130",
             "o5,ACTIVE,2024-03-12 23:59:59-00:01"]
    path = write(tmp_path / "store_status.csv", lines)
    expected = [("o1", "active", utc("2024-03-15 01:30:00")), ("o2", "active", utc("2024-03-14 19:30:00")),
                ("o3", "active", utc("2024-03-13 12:00:00")), ("o4", "active", utc("2024-03-15 23:30:00")),
                ("o5", "active", utc("2024-03-13 00:00:59"))]
    result = await load(db_settings, tmp_path, status=path, workers=3)
    assert result.files[0].loaded == 5 and await fetch_polls(db_settings) == expected
    chunks = await fetch(db_settings, "select range_start::date::text from timescaledb_information.chunks "
                                      "where hypertable_name = 'store_status' order by 1")
    assert chunks == [("2024-03-13",), ("2024-03-14",), ("2024-03-15",)]

    monkeypatch.setattr(poll_check.PollCheck, "_count_days", lambda self, days: None)
    later = write(tmp_path / "later.csv", [STATUS_HEADER] + [f"o{i},inactive,2024-03-{10 + i} 12:00:00 UTC"
                                                               for i in range(6)])
    result = await load(db_settings, tmp_path, status=later, workers=3)
    assert result.files[0].loaded == 6 and len(await fetch_polls(db_settings)) == 11


async def test_columns_in_another_order_and_extra_columns(db_settings, tmp_path):
    reordered = write(tmp_path / "a.csv", ["Status , TIMESTAMP_UTC,store_id",
                                           "active,2024-03-14 10:00:00 UTC,s1",
                                           " Inactive,2024-03-14 11:00:00 UTC,s1",
                                           "active,2024-03-14 12:00:00 UTC,"])
    result = await load(db_settings, tmp_path, status=reordered)
    assert result.files[0].loaded == 2
    assert [r[1:3] for r in read_rejects(result.rejects_path)] == [(4, "empty store_id")]
    extra = write(tmp_path / "b.csv", ["timestamp_utc,region,status,note,store_id",
                                       "2024-03-14 13:00:00 UTC,west,active,,s2",
                                       '2024-03-14 14:00:00 UTC,"a,b",ACTIVE,x,s2',
                                       "2024-03-14 15:00:00 UTC,west,active,s2"])
    result = await load(db_settings, tmp_path, status=extra)
    assert result.files[0].loaded == 2
    assert [r[1:3] for r in read_rejects(result.rejects_path)] == [(4, "wrong column count: expected 5, got 4")]
    assert await fetch_polls(db_settings) == [
        ("s1", "active", utc("2024-03-14 10:00:00")), ("s1", "inactive", utc("2024-03-14 11:00:00")),
        ("s2", "active", utc("2024-03-14 13:00:00")), ("s2", "active", utc("2024-03-14 14:00:00")),
    ]


async def test_line_numbers_are_absolute_in_every_byte_range(db_settings, tmp_path):
    """A 4.5 MB file in 3 ranges of several 1 MB blocks: bad lines in each range and block keep their line."""
    total = 60_000
    bad = {
        17: ("s,active,2024-03-14 10:00:00 UTC,x", "wrong column count: expected 3, got 4"),
        15_001: ("s,actif,2024-03-14 10:00:00 UTC", "status must be active or inactive, got 'actif'"),
        20_002: (",active,2024-03-14 10:00:00 UTC", "empty store_id"),
        33_333: ("s,active,2024-04-31 10:00:00 UTC", "unparseable timestamp_utc '2024-04-31 10:00:00 UTC'"),
        41_000: ("s,active", "wrong column count: expected 3, got 2"),
        59_999: ("s,inactive,2024-03-14 10:00:00 GMT+1", "unparseable timestamp_utc '2024-03-14 10:00:00 GMT+1'"),
    }
    fixable = {25_000: "s25000, ACTIVE,2024-03-14 10:00:00 UTC", 50_000: " s50000 ,active,2024-03-14 10:00:00 UTC"}
    lines = [STATUS_HEADER]
    for line in range(2, total + 2):
        if line in bad:
            lines.append(bad[line][0])
        elif line in fixable:
            lines.append(fixable[line])
        elif line == 45_678:
            lines.append("")
        else:
            lines.append(f"{line:08d}-4c1e-8b3a-9f0e2d7c6b5a,{'active' if line % 7 else 'inactive'},"
                         f"2024-03-{10 + line % 5} {line % 24:02d}:{line % 60:02d}:{line % 59:02d}"
                         f"{f'.{line * 7919 % 1_000_000:06d}' if line % 3 else ''} UTC")
    path = write(tmp_path / "store_status.csv", lines)
    assert len(split_ranges(path, read_header(path, STATUS).data_offset, 3)) == 3
    result = await load(db_settings, tmp_path, status=path, workers=3)
    (status,) = result.files
    assert [r[1:3] for r in read_rejects(result.rejects_path)] == [(line, reason) for line, (_, reason)
                                                                   in sorted(bad.items())]
    assert (status.read, status.loaded, status.rejected) == (total - 1, total - 1 - len(bad), len(bad))
    fixed = await fetch(db_settings, "select store_id, status::text from store_status "
                                     "where store_id in ('s25000', 's50000') order by 1")
    assert fixed == [("s25000", "active"), ("s50000", "active")]


# --- the small files -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [HOURS_HEADER, "store_id,day_of_week,start_time_local,end_time_local",
                                    "end_time_local,DayOfWeek,store_id,start_time_local"])
async def test_bad_hours_rows(db_settings, tmp_path, header):
    rows = [  # (store_id, day, start, end, reason)
        ("h1", "0", "09:00:00", "17:00:00", None),
        ("h1", "6", "22:00:00", "02:00:00", None),
        ("h2", "7", "09:00:00", "17:00:00", "dayOfWeek must be 0 (Monday) to 6 (Sunday), got '7'"),
        ("h2", "-1", "09:00:00", "17:00:00", "dayOfWeek must be 0 (Monday) to 6 (Sunday), got '-1'"),
        ("h2", "x", "09:00:00", "17:00:00", "dayOfWeek must be 0 (Monday) to 6 (Sunday), got 'x'"),
        ("h3", "1", "25:00:00", "17:00:00", "bad start_time_local '25:00:00'"),
        ("h3", "1", "09:00:00", "10:61:00", "bad end_time_local '10:61:00'"),
        ("h3", "1", "noon", "17:00:00", "bad start_time_local 'noon'"),
        ("", "1", "09:00:00", "17:00:00", "empty store_id"),
        ("h4", " 2 ", "00:00:00", "23:59:59", None),
    ]
    order = [c.strip().lower().replace("dayofweek", "day_of_week") for c in header.split(",")]
    index = {"store_id": 0, "day_of_week": 1, "start_time_local": 2, "end_time_local": 3}
    lines = [header] + [",".join(r[index[c]] for c in order) for r in rows]
    lines[4:4] = ["h5,1,09:00:00", ""]  # a short line (line 5) and a blank line (line 6)
    path = write(tmp_path / "menu_hours.csv", lines)
    result = await load(db_settings, tmp_path, hours=path)
    (hours,) = result.files
    expected = sorted([(5, "wrong column count: expected 4, got 3")] + [
        (line, r[4]) for line, r in zip([2, 3, 4, 7, 8, 9, 10, 11, 12, 13], rows) if r[4]])
    assert sorted(r[1:3] for r in read_rejects(result.rejects_path)) == expected
    assert (hours.read, hours.loaded, hours.rejected) == (11, 3, 8)
    assert await fetch(db_settings, "select store_id, day_of_week, start_time_local::text, end_time_local::text "
                                    "from store_hours order by id") == [
        ("h1", 0, "09:00:00", "17:00:00"), ("h1", 6, "22:00:00", "02:00:00"), ("h4", 2, "00:00:00", "23:59:59")]


async def test_unknown_timezone_is_a_warning_and_still_loads(db_settings, tmp_path):
    path = write(tmp_path / "timezones.csv", [TZ_HEADER, "t1,America/Denver", "t2,Mars/Olympus", "t3,",
                                              "t4,Asia/Kathmandu"])
    result = await load(db_settings, tmp_path, timezones=path)
    (zones,) = result.files
    assert (zones.read, zones.loaded, zones.rejected) == (4, 3, 1)
    assert len(zones.warnings) == 1 and "'Mars/Olympus'" in zones.warnings[0] and "t2" in zones.warnings[0]
    assert "America/Chicago" in zones.warnings[0] and "warning: unknown timezone" in result.table()
    assert [r[1:3] for r in read_rejects(result.rejects_path)] == [(4, "empty timezone_str")]
    assert await fetch(db_settings, "select * from store_timezone order by 1") == [
        ("t1", "America/Denver"), ("t2", "Mars/Olympus"), ("t4", "Asia/Kathmandu")]


async def test_zip_input_with_all_three_files_and_one_rejects_file(db_settings, tmp_path):
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("export/store_status.csv", "\n".join([STATUS_HEADER, "z1,active,2024-03-14 10:00:00 UTC",
                                                         "z1,on,2024-03-14 11:00:00 UTC"]))
        z.writestr("export/business_hours.csv", "\n".join([HOURS_HEADER, "z1,0,09:00:00,17:00:00", "z1,9,x,y"]))
        z.writestr("export/store_timezones.csv", "\n".join([TZ_HEADER, "z1,Europe/Paris"]))
    result = await load(db_settings, tmp_path, archive)
    assert result.ok and [(f.kind, f.loaded, f.rejected) for f in result.files] == [
        ("timezones", 1, 0), ("hours", 1, 1), ("status", 1, 1)]
    assert [r[:2] for r in read_rejects(result.rejects_path)] == [("business_hours.csv", 3),
                                                                  ("store_status.csv", 3)]


# --- idempotent reloads ----------------------------------------------------------------------------------------


async def test_reloading_the_same_files_adds_nothing(db_settings, tmp_path):
    sample = tmp_path / "sample"
    generate_sample(sample, stores=60, days=3, seed=5)
    first = await load(db_settings, tmp_path, sample)
    before = await fetch_polls(db_settings)
    hours_before = await fetch(db_settings, "select * from store_hours order by id")
    second = await load(db_settings, tmp_path, sample)
    assert first.ok and second.ok
    status1, status2 = first.file("status"), second.file("status")
    assert status1.loaded == len(before) and status1.duplicates == status1.read - len(before)
    assert (status2.loaded, status2.duplicates) == (0, status2.read)
    assert [f.loaded for f in second.files] == [0] * len(second.files)
    assert await fetch_polls(db_settings) == before
    assert await fetch(db_settings, "select * from store_hours order by id") == hours_before


async def test_exact_duplicates_kept_once_and_later_polls_append(db_settings, tmp_path):
    first = write(tmp_path / "1.csv", [STATUS_HEADER,
                                       "d1,active,2024-03-14 10:00:00 UTC",
                                       "d1,active,2024-03-14 10:00:00 UTC",
                                       "d1,ACTIVE,2024-03-14T10:00:00Z",  # the same poll spelled differently
                                       "d1,inactive,2024-03-14 10:00:00 UTC",  # same instant, other status: kept
                                       "d2,active,2024-03-13 23:59:59.999999 UTC"])
    result = await load(db_settings, tmp_path, status=first)
    assert (result.files[0].loaded, result.files[0].duplicates) == (3, 2)
    later = write(tmp_path / "2.csv", [STATUS_HEADER,
                                       "d2,active,2024-03-13 23:59:59.999999 UTC",  # already stored
                                       "d1,inactive,2024-03-14 11:00:00 UTC",
                                       "d1,inactive,2024-03-14 11:00:00 UTC",
                                       "d3,active,2024-03-15 00:00:00 UTC"])
    result = await load(db_settings, tmp_path, status=later)
    assert (result.files[0].loaded, result.files[0].duplicates) == (2, 2)
    assert await fetch_polls(db_settings) == [
        ("d1", "active", utc("2024-03-14 10:00:00")), ("d1", "inactive", utc("2024-03-14 10:00:00")),
        ("d1", "inactive", utc("2024-03-14 11:00:00")), ("d2", "active", utc("2024-03-13 23:59:59.999999")),
        ("d3", "active", utc("2024-03-15 00:00:00")),
    ]


async def test_new_hours_file_replaces_exactly_the_stores_it_names(db_settings, tmp_path):
    write(tmp_path / "h1.csv", [HOURS_HEADER, "a,0,09:00:00,17:00:00", "a,1,09:00:00,17:00:00",
                                "b,0,10:00:00,18:00:00", "c,2,08:00:00,12:00:00"])
    await load(db_settings, tmp_path, hours=tmp_path / "h1.csv")
    untouched = await fetch(db_settings, "select * from store_hours where store_id = 'c'")
    write(tmp_path / "h2.csv", [HOURS_HEADER, "a,3,07:00:00,11:00:00", "b,0,10:00:00,18:00:00",
                                "d,4,00:00:00,23:59:59", "d,4,00:00:00,23:59:59"])
    result = await load(db_settings, tmp_path, hours=tmp_path / "h2.csv")
    assert (result.files[0].loaded, result.files[0].duplicates) == (3, 1)  # b is unchanged
    rows = await fetch(db_settings, "select store_id, day_of_week, start_time_local::text, end_time_local::text "
                                    "from store_hours order by store_id, id")
    assert rows == [("a", 3, "07:00:00", "11:00:00"), ("b", 0, "10:00:00", "18:00:00"),
                    ("c", 2, "08:00:00", "12:00:00"), ("d", 4, "00:00:00", "23:59:59"),
                    ("d", 4, "00:00:00", "23:59:59")]
    assert await fetch(db_settings, "select * from store_hours where store_id = 'c'") == untouched


async def test_timezones_are_upserted(db_settings, tmp_path):
    write(tmp_path / "z1.csv", [TZ_HEADER, "a,America/Denver", "b,America/New_York"])
    await load(db_settings, tmp_path, timezones=tmp_path / "z1.csv")
    write(tmp_path / "z2.csv", [TZ_HEADER, "b,Europe/Berlin", "c,Asia/Tokyo", "c,Australia/Sydney"])
    result = await load(db_settings, tmp_path, timezones=tmp_path / "z2.csv")
    assert result.files[0].loaded == 2
    assert await fetch(db_settings, "select * from store_timezone order by 1") == [
        ("a", "America/Denver"), ("b", "Europe/Berlin"), ("c", "Australia/Sydney")]


# --- the bulk load from outside --------------------------------------------------------------------------------


def public_shape(sample: Path, out: Path) -> Path:
    """The sample with statuses spelled as in the public files (`active`/`inactive`): a typed COPY, which is
    what timescaledb-parallel-copy does, refuses the sample's odd spellings such as ' Active '."""
    out.mkdir()
    for name in ("menu_hours.csv", "timezones.csv"):
        (out / name).write_bytes((sample / name).read_bytes())
    with (sample / "store_status.csv").open() as src, (out / "store_status.csv").open("w") as dst:
        dst.write(src.readline())
        for line in src:
            store_id, status, stamp = line.rstrip("\n").split(",")
            dst.write(f"{store_id},{status.strip().lower()},{stamp}\n")
    return out


async def parallel_copy_like_the_go_tool(dsn: str, path: Path, workers: int = 3, batch_rows: int = 5000) -> int:
    """What timescaledb-parallel-copy does: header skipped, batches of lines sent round robin by `workers`
    connections, each batch one `COPY store_status FROM STDIN WITH (FORMAT csv)`."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=2 * workers)
    copied = [0]

    async def copier() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            while (batch := await queue.get()) is not None:
                status = await conn.copy_to_table("store_status", source=io.BytesIO(batch), format="csv")
                copied[0] += int(status.split()[-1])
        finally:
            await conn.close()

    async def reader() -> None:
        with path.open("rb") as f:
            f.readline()
            while batch := b"".join(f.readline() for _ in range(batch_rows)):
                await queue.put(batch)
        for _ in range(workers):
            await queue.put(None)

    await asyncio.gather(reader(), *(copier() for _ in range(workers)))
    return copied[0]


async def psql_copy(conn: asyncpg.Connection, table: str, columns: list[str], path: Path) -> None:
    """`\\copy table(columns) from 'file' csv header`."""
    with path.open("rb") as f:
        await conn.copy_to_table(table, source=f, columns=columns, format="csv", header=True)


async def report_as_of(pool: asyncpg.Pool, as_of: datetime) -> dict:
    async with pool.acquire() as conn:
        report = await create_report(conn, as_of)
    await run_report(pool, report, shards=2)
    async with pool.acquire() as conn:
        return await stored_rows(conn, report.id)


async def test_bulk_load_from_outside_reports_like_ingest(db_settings, tmp_path):
    files = public_shape(generate_sample(tmp_path / "sample", stores=300, days=9, seed=11).paths[
        "store_status"].parent, tmp_path / "public")
    pool = await create_pool(db_settings, max_size=4)
    try:
        assert await parallel_copy_like_the_go_tool(db_settings.dsn(), files / "store_status.csv") > 0
        async with pool.acquire() as conn:
            await psql_copy(conn, "store_hours", ["store_id", "day_of_week", "start_time_local", "end_time_local"],
                            files / "menu_hours.csv")
            await psql_copy(conn, "store_timezone", ["store_id", "timezone_str"], files / "timezones.csv")
            as_of = await newest_poll(conn)
            external = await conn.fetch("select distinct * from store_status order by 1, 3, 2")
        outside = await report_as_of(pool, as_of)

        async with pool.acquire() as conn:
            await conn.execute("truncate store_status, store_hours, store_timezone, report cascade")
        result = await load(db_settings, tmp_path, files)
        assert result.ok and result.files[2].rejected == 0
        async with pool.acquire() as conn:
            assert await newest_poll(conn) == as_of
            assert await conn.fetch("select * from store_status order by 1, 3, 2") == external
        assert len(outside) > 250
        assert await report_as_of(pool, as_of) == outside
    finally:
        await pool.close()
