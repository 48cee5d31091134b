"""Rules 11 and 12 in SQL: a report's outages and its days against the hand-computed cases, through the real output
path (the engine's shard statements with days, the outages computed for the report and the COPY streams), byte
for byte against the hand CSVs; and against the Python model on random data with special hours, to the
microsecond."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.report.csv import write_days_csv, write_outages_csv
from app.report.engine import run_report
from app.report.outages import ensure_outages
from tests.support.cases import ALL_CASES, Case
from tests.support.model import days, days_csv, outages, outages_csv
from tests.support.reports import create_report, csv_text, load_rows
from tests.support.strategies import scenarios_with_special

OUTAGE_CASES = [c for c in ALL_CASES if c.expected_outages is not None]
DAY_CASES = [c for c in ALL_CASES if c.expected_days is not None]


async def _stream(conn, write, *args) -> str:
    chunks = []

    async def collect(chunk: bytes) -> None:
        chunks.append(bytes(chunk))

    await write(conn, *args[:1], collect, *args[1:])
    return b"".join(chunks).decode()


async def _report(pool, case: Case, with_days: bool):
    async with pool.acquire() as conn:
        report = await create_report(conn, case.as_of, case.store_ids, case.day_range() if with_days else None)
    await run_report(pool, report, shards=2)
    async with pool.acquire() as conn:
        return await conn.fetchrow("select * from report where id = $1", report.id)


@pytest.mark.parametrize("case", OUTAGE_CASES, ids=[c.name for c in OUTAGE_CASES])
async def test_outages_csv_matches_hand_computed_case(conn, pool, case):
    from app.db.models import Report

    await load_rows(conn, case.polls, case.hours, case.timezones, case.special)
    report = Report.model_validate(dict(await _report(pool, case, with_days=False)))
    await ensure_outages(pool, report)
    text = await _stream(conn, write_outages_csv, report.id)
    assert text == (case.expected_outages_csv or outages_csv(case.expected_outage_intervals()))
    await ensure_outages(pool, Report.model_validate(dict(await conn.fetchrow(
        "select * from report where id = $1", report.id))))  # a second request finds them there
    assert await _stream(conn, write_outages_csv, report.id) == text


@pytest.mark.parametrize("case", DAY_CASES, ids=[c.name for c in DAY_CASES])
async def test_days_csv_matches_hand_computed_case(conn, pool, case):
    await load_rows(conn, case.polls, case.hours, case.timezones, case.special)
    report = await _report(pool, case, with_days=True)
    assert await _stream(conn, write_days_csv, report["id"]) == (
        case.expected_days_csv or days_csv(case.expected_day_figures()))
    # The weekly figures of a report with days are the same as without.
    assert await csv_text(conn, report["id"]) == (case.expected_csv or _plain(case))


def _plain(case: Case) -> str:
    from tests.support.model import to_csv

    return to_csv(case.expected_figures())


def _interval_seconds(rows) -> dict[str, list[tuple[datetime, datetime]]]:
    out: dict = {}
    for r in rows:
        out.setdefault(r["store_id"], []).append((r["start_utc"], r["end_utc"]))
    return out


async def _load(conn, scenario) -> None:
    polls, hours, zones, as_of, special = scenario
    await conn.execute("truncate store_status, store_hours, store_timezone, special_hours, status_change, "
                       "status_change_chunk, status_change_pending, polled_store")
    await load_rows(conn, polls, hours, zones, special)


day_offsets = st.tuples(st.integers(-12, 2), st.integers(0, 4))  # first date from as_of's UTC date, length - 1


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios_with_special(), offsets=day_offsets)
def test_outages_and_days_agree_with_the_model(sync_conn, scenario, offsets):
    loop, conn = sync_conn
    polls, hours, zones, as_of, special = scenario
    first = as_of.date() + timedelta(days=offsets[0])
    last = first + timedelta(days=offsets[1])
    loop.run_until_complete(_load(conn, scenario))
    sql_outages = loop.run_until_complete(conn.fetch(
        "select * from report_outages_v1($1, null, null, null) order by store_id, start_utc", as_of))
    expected_outages = {s: spans for s, spans in outages(polls, hours, zones, as_of, special=special).items() if spans}
    assert _interval_seconds(sql_outages) == expected_outages
    # A report with days gets its days, weekly figures and outages from one pass (its shards' call): one row per
    # store, its dates and outages as arrays.
    one_pass = loop.run_until_complete(conn.fetch(
        "select * from report_figures_v3($1, null, null, null, null, $2, $3, true)", as_of, first, last))
    actual = {}
    for r in one_pass:
        assert r["first_date"] == first
        micros = (r["business_micros"], r["uptime_micros"], r["downtime_micros"])
        assert [len(m) for m in micros] == [(last - first).days + 1] * 3
        for n, figures in enumerate(zip(*micros)):
            actual[(r["store_id"], first + timedelta(days=n))] = tuple(Decimal(v) / 1_000_000 for v in figures)
    expected = {key: tuple(_seconds(v) for v in (f.business, f.uptime, f.downtime))
                for key, f in days(polls, hours, zones, as_of, first, last, special=special).items()}
    assert actual == expected
    one_pass_outages = [{"store_id": r["store_id"], "start_utc": start, "end_utc": end}
                        for r in sorted(one_pass, key=lambda r: r["store_id"]) if r["outage_starts"] is not None
                        for start, end in zip(r["outage_starts"], r["outage_ends"], strict=True)]
    assert _interval_seconds(one_pass_outages) == expected_outages
    weekly = loop.run_until_complete(conn.fetch("select * from report_seconds_v3($1, null, null, null)", as_of))
    figures = ("store_id", "uptime_last_hour", "uptime_last_day", "uptime_last_week", "downtime_last_hour",
               "downtime_last_day", "downtime_last_week")
    assert sorted(tuple(r[k] for k in figures) for r in weekly) == sorted(
        tuple(r[k] for k in figures) for r in one_pass)


def _seconds(value: timedelta):
    return Decimal(value.days * 86400 + value.seconds) + Decimal(value.microseconds) / 1_000_000

