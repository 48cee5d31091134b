"""Fuzzing the whole `ingest` command: hypothesis writes the four files from valid rows, damages their bytes
(truncation, inserted quotes, NULs, invalid UTF-8, huge fields, extreme and malformed values, wrong column counts,
mixed line ends) and loads them into a fresh database. The loader must agree with the plain-Python acceptance model
(tests/support/acceptance.py): every row it accepts is stored exactly once, every other line is in the rejects file
with its line number, the exit status says whether anything was rejected, and a report afterwards is the reference
model's on the accepted rows. Derandomized and bounded: the same examples on every run, well under a minute."""

import asyncio
import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app import cli
from app.config import Settings
from app.db.connect import connect, create_pool
from app.report.engine import newest_poll, run_report
from tests.support.acceptance import Limits, judge_hours, judge_polls, judge_special_hours, judge_timezones
from tests.support.model import compute_report
from tests.support.reports import create_report, stored_rows

STORES = ["s1", "8ae8e265-7702-4bb9-9844-c43bd9704f17", "8419537941919820732", " s2 ", "ü-store", "q,1",
          'say "hi"', "\ts3"]
STATUSES = ["active", "inactive", "Active", " INACTIVE "]
GOOD_STAMPS = ["2024-03-09 10:15:00.123456 UTC", "2024-03-09T23:30:00Z", "2024-03-10 08:00:00",
               "2024-03-10 12:00:00+00:00", "2024-03-10 20:45:00 +0530", "2024-03-08 23:59:59.5-03:00",
               "2024-03-09 04:00:00 UTC"]
BAD_STAMPS = ["9999-12-31 23:59:59 UTC", "0001-01-01 00:00:00 UTC", "1999-12-31 23:59:59 UTC",
              "2000-01-01 00:30:00+01:00", "2024-02-30 10:00:00", "2024-03-10 25:00:00", "now", "",
              "2024-03-10 10:00:00+16:00", "2024-03-10 10:00:00 GMT", "+12024-03-10 10:00:00"]
TIMES = ["09:00:00", "17:00:00", "22:00", "02:00:00", "00:00:00", "23:59:59", "9:30", "12:00:00.5"]
BAD_TIMES = ["24:00:00", "12:60", "noon", "", "-1:00", "12:00:00.1234567"]
ZONES = ["America/New_York", "Asia/Kolkata", "Europe/Paris", "Australia/Sydney", "Mars/Olympus", "america/denver"]
DATES = ["2024-03-07", "2024-03-08", "2024-03-09", "2024-03-10"]
BAD_DATES = ["2023-02-29", "2024-13-01", "10/03/2024", "1999-12-31", "9999-01-01", "", "2024-3-9"]
INVALID_UTF8 = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82"]
HUGE = [300, 5000, 1_100_000]


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: list[str]  # the header's column names, also the model's keys
    judge: object
    values: dict[str, tuple[list, list]]  # column -> (good values, bad values)


SPECS = [
    FileSpec("store_status.csv", ["store_id", "status", "timestamp_utc"], judge_polls,
             {"store_id": (STORES, ["", "  "]), "status": (STATUSES, ["maybe", "act ive", ""]),
              "timestamp_utc": (GOOD_STAMPS, BAD_STAMPS)}),
    FileSpec("menu_hours.csv", ["store_id", "day_of_week", "start_time_local", "end_time_local"], judge_hours,
             {"store_id": (STORES, [""]), "day_of_week": (list("0123456"), ["7", "-1", "x", ""]),
              "start_time_local": (TIMES, BAD_TIMES), "end_time_local": (TIMES, BAD_TIMES)}),
    FileSpec("timezones.csv", ["store_id", "timezone_str"], judge_timezones,
             {"store_id": (STORES, [""]), "timezone_str": (ZONES, ["", "  "])}),
    FileSpec("special_hours.csv", ["store_id", "date_local", "start_time_local", "end_time_local"],
             judge_special_hours,
             {"store_id": (STORES, [""]), "date_local": (DATES, BAD_DATES), "start_time_local": (TIMES, BAD_TIMES),
              "end_time_local": (TIMES, BAD_TIMES)}),
]


def csv_field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"') else value


@st.composite
def row_line(draw, spec: FileSpec, order: list[int]) -> bytes:
    values = {}
    for column, (good, bad) in spec.values.items():
        values[column] = draw(st.sampled_from(bad)) if draw(st.integers(0, 14)) == 0 else draw(st.sampled_from(good))
    if spec.name == "special_hours.csv" and draw(st.booleans()):
        values["start_time_local"] = values["end_time_local"] = ""  # closed
    return ",".join(csv_field(values[spec.columns[i]]) for i in order).encode()


@st.composite
def damaged(draw, line: bytes) -> bytes:
    """One line with byte-level damage, or as it is."""
    kind = draw(st.sampled_from(["none"] * 12 + ["cut", "quote", "nul", "utf8", "huge", "comma", "no comma", "cr",
                                                  "blank"]))
    at = draw(st.integers(0, len(line)))
    if kind == "cut":
        return line[:at]
    if kind == "quote":
        return line[:at] + b'"' + line[at:]
    if kind == "nul":
        return line[:at] + b"\x00" + line[at:]
    if kind == "utf8":
        return line[:at] + draw(st.sampled_from(INVALID_UTF8)) + line[at:]
    if kind == "huge":
        return line[:at] + b"x" * draw(st.sampled_from(HUGE)) + line[at:]
    if kind == "comma":
        return line[:at] + b"," + line[at:]
    if kind == "no comma" and b"," in line:
        cut = line.index(b",")
        return line[:cut] + line[cut + 1:]
    if kind == "cr":
        return line[:at] + b"\r" + line[at:]
    if kind == "blank":
        return draw(st.sampled_from([b"", b"  ", b"\t"]))
    return line


@st.composite
def file_content(draw, spec: FileSpec) -> tuple[bytes, list[str]]:
    order = draw(st.permutations(range(len(spec.columns))))
    header_names = [spec.columns[i] for i in order]
    header = ",".join("dayOfWeek" if n == "day_of_week" and draw(st.booleans()) else n for n in header_names)
    lines = [draw(damaged(draw(row_line(spec, order)))) for _ in range(draw(st.integers(0, 14)))]
    ends = [draw(st.sampled_from([b"\n", b"\n", b"\r\n"])) for _ in lines]
    content = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + header.encode() + b"\n"
    content += b"".join(line + end for line, end in zip(lines, ends))
    if lines and draw(st.booleans()):
        content = content[:-draw(st.integers(1, 5))]  # truncated at the end
    return content, header_names


def read_rejects(path: Path) -> Counter:
    if not path.exists():
        return Counter()
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(r["reason"] for r in rows)
    return Counter((r["file"], int(r["line"])) for r in rows)


async def database_state(settings: Settings) -> dict:
    conn = await asyncpg.connect(settings.dsn())
    try:
        return {
            "polls": [tuple(r) for r in await conn.fetch("select store_id, status::text, timestamp_utc from "
                                                         "store_status")],
            "hours": [tuple(r) for r in await conn.fetch("select store_id, day_of_week, start_time_local, "
                                                         "end_time_local from store_hours")],
            "zones": dict(await conn.fetch("select store_id, timezone_str from store_timezone")),
            "special": [tuple(r) for r in await conn.fetch("select store_id, date_local, start_time_local, "
                                                           "end_time_local from special_hours")],
        }
    finally:
        await conn.close()


async def sql_report(settings: Settings) -> tuple[object, dict]:
    conn = await connect(settings)
    pool = await create_pool(settings, max_size=2)
    try:
        as_of = await newest_poll(conn)
        if as_of is None:
            return None, {}
        report = await create_report(conn, as_of)
        await run_report(pool, report, shards=1)
        return as_of, await stored_rows(conn, report.id)
    finally:
        await pool.close()
        await conn.close()


# No shrinking: it could take minutes; a failure prints its example as drawn.
@settings(max_examples=30, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                 HealthCheck.function_scoped_fixture])
@given(files=st.tuples(*(file_content(spec) for spec in SPECS)))
def test_every_line_is_loaded_once_or_rejected_with_its_line(pg_server, tmp_path_factory, monkeypatch, files):
    folder = tmp_path_factory.mktemp("fuzz")
    verdicts = {}
    limits = Limits()
    for spec, (content, header) in zip(SPECS, files):
        (folder / spec.name).write_bytes(content)
        verdicts[spec.name] = spec.judge(content, header, limits)
    rejects = folder / "rejects.csv"
    with pg_server.database("fuzz") as db:
        monkeypatch.setattr(cli, "get_settings", lambda: db)
        status = cli.main(["ingest", str(folder), "--rejects", str(rejects), "--workers", "2"])
        state = asyncio.run(database_state(db))
        as_of, report = asyncio.run(sql_report(db))

    expected_rejects = Counter((name, line) for name, v in verdicts.items() for line in v.rejected)
    assert read_rejects(rejects) == expected_rejects
    assert status == (cli.INGEST_ROWS_REJECTED if expected_rejects else 0)

    polls = list(verdicts["store_status.csv"].accepted.values())
    assert Counter(state["polls"]) == Counter({(p.store_id, p.status, p.ts) for p in polls})  # each once
    hours = list(verdicts["menu_hours.csv"].accepted.values())
    assert Counter(state["hours"]) == Counter((h.store_id, h.day_of_week, h.start, h.end) for h in hours)
    zones = dict(verdicts["timezones.csv"].accepted[line] for line in sorted(verdicts["timezones.csv"].accepted))
    assert state["zones"] == zones  # the last line of a store wins
    special = list(verdicts["special_hours.csv"].accepted.values())
    assert Counter(state["special"]) == Counter({(s.store_id, s.date_local, s.start, s.end) for s in special})

    if polls:
        expected = {s: f.rounded() for s, f in compute_report(polls, hours, zones, as_of, special=special).items()}
        assert report == expected
    else:
        assert report == {}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_the_model_accepts_the_valid_rows(spec):
    """The fuzz test means something only if the model accepts what it should: a clean file is accepted whole."""
    lines = [",".join(csv_field(good[0]) for good, _ in spec.values.values()).encode() for _ in range(3)]
    content = ",".join(spec.columns).encode() + b"\n" + b"\n".join(lines) + b"\n"
    verdicts = spec.judge(content, spec.columns, Limits())
    assert sorted(verdicts.accepted) == [2, 3, 4] and not verdicts.rejected
