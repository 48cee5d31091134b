"""The web pages' SQL (sql/migrations/005_web.sql, sql/queries/web.sql): the store timeline's functions apply the
report's rules (they add up to report_seconds_v2's figures and agree with the Python model), and the report page's
aggregates are right on hand-made report rows."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings

from app.db.queries import queries
from tests.support.cases import CASES
from tests.support.model import business_intervals, status_per_instant, status_segments
from tests.support.reports import load_rows
from tests.support.strategies import STORES, scenarios
from tests.support.web import load_generated_sample

WINDOWS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}

# Per store and window: the seconds up and down in business hours by intersecting the two functions' intervals,
# next to report_seconds_v2's figures for the same store.
FIGURES_FROM_INTERVALS = """
with windows(name, length) as (
    values ('hour', interval '1 hour'), ('day', interval '1 day'), ('week', interval '7 days')
), report as (
    select * from report_seconds_v2($1, null, null, null)
)
select r.store_id, w.name,
       coalesce(sum(extract(epoch from least(s.ends_at, b.close_at) - greatest(s.starts_at, b.open_at)))
                filter (where s.status = 'active' and b.open_at is not null), 0) as up,
       coalesce(sum(extract(epoch from least(s.ends_at, b.close_at) - greatest(s.starts_at, b.open_at)))
                filter (where s.status = 'inactive' and b.open_at is not null), 0) as down,
       case w.name when 'hour' then r.uptime_last_hour when 'day' then r.uptime_last_day
                   else r.uptime_last_week end as report_up,
       case w.name when 'hour' then r.downtime_last_hour when 'day' then r.downtime_last_day
                   else r.downtime_last_week end as report_down
from report r
cross join windows w
left join lateral store_status_segments_v1(r.store_id, $1 - w.length, $1) s on true
left join lateral store_business_intervals_v1(r.store_id, $1 - w.length, $1) b
       on s.starts_at < b.close_at and b.open_at < s.ends_at
group by r.store_id, w.name, report_up, report_down
"""


def mismatches(rows: list[asyncpg.Record]) -> list[str]:
    return [f"{r['store_id']} {r['name']}: intervals give up {r['up']} down {r['down']}, "
            f"report_seconds_v2 {r['report_up']} {r['report_down']}"
            for r in rows if (r["up"], r["down"]) != (r["report_up"], r["report_down"])]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_store_intervals_add_up_to_the_report_on_every_hand_computed_case(conn, case):
    await load_rows(conn, case.polls, case.hours, case.timezones)
    rows = await conn.fetch(FIGURES_FROM_INTERVALS, case.as_of)
    assert len(rows) >= 3 * len(case.expected)
    assert mismatches(rows) == []


async def test_store_intervals_add_up_to_the_report_on_the_sample(db_settings, tmp_path, conn):
    await load_generated_sample(db_settings, tmp_path / "sample", 150)
    as_of = await conn.fetchval("select max(timestamp_utc) from store_status")
    rows = await conn.fetch(FIGURES_FROM_INTERVALS, as_of)
    assert len(rows) >= 3 * 150
    assert mismatches(rows) == []


def merged(segments):
    out = []
    for start, end, status in segments:
        if out and out[-1][2] == status and out[-1][1] == start:
            out[-1] = (out[-1][0], end, status)
        else:
            out.append((start, end, status))
    return out


async def _store_functions(conn, polls, hours, zones, start, end):
    await conn.execute("truncate store_status, store_hours, store_timezone")
    await load_rows(conn, polls, hours, zones)
    result = {}
    for store in STORES:
        business = await conn.fetch("select * from store_business_intervals_v1($1, $2, $3)", store, start, end)
        status = await conn.fetch("select * from store_status_segments_v1($1, $2, $3)", store, start, end)
        result[store] = ([tuple(r) for r in business], [(r[0], r[1], r[2]) for r in status])
    return result


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_store_functions_agree_with_the_model(sync_conn, scenario):
    loop, conn = sync_conn
    polls, hours, zones, as_of = scenario
    start = as_of - timedelta(days=7)
    actual = loop.run_until_complete(_store_functions(conn, polls, hours, zones, start, as_of))
    for store in STORES:
        store_polls = [p for p in polls if p.store_id == store and p.ts <= as_of]
        expected_status = merged(status_segments(status_per_instant(store_polls), start, as_of)) if store_polls else []
        expected_hours = business_intervals([h for h in hours if h.store_id == store], zones.get(store), start, as_of)
        assert actual[store] == (expected_hours, expected_status), store


async def test_the_timeline_pieces_add_up_to_the_report_and_stay_inside_their_day(db_settings, tmp_path, conn):
    await load_generated_sample(db_settings, tmp_path / "sample", 60)
    as_of = await conn.fetchval("select max(timestamp_utc) from store_status")
    start = as_of - timedelta(days=7)
    figures = {r["store_id"]: r for r in await conn.fetch("select * from report_seconds_v2($1, null, null, null)",
                                                           as_of)}
    zones = {r["store_id"]: r["zone"] for r in await conn.fetch(
        "select s.store_id, coalesce(z.name, 'America/Chicago') as zone from (select distinct store_id "
        "from store_status) s left join store_timezone t using (store_id) "
        "left join pg_timezone_names z on z.name = t.timezone_str")}
    for store_id, expected in figures.items():
        pieces = await conn.fetch(queries["web_store_timeline"], store_id, start, as_of, zones[store_id])
        days = {r["day"] for r in await conn.fetch(queries["web_local_days"], start, as_of, zones[store_id])}
        totals = defaultdict(Decimal)
        for p in pieces:
            assert p["day"] in days
            assert 0 <= p["from_hour"] <= 24 and 0 <= p["to_hour"] <= 24, dict(p)
            assert p["seconds"] > 0
            totals[p["kind"], p["status"], p["in_hours"]] += p["seconds"]
        assert totals["status", "active", True] == expected["uptime_last_week"], store_id
        assert totals["status", "inactive", True] == expected["downtime_last_week"], store_id
        assert totals["hours", None, True] == expected["uptime_last_week"] + expected["downtime_last_week"]
        all_status = sum(v for (kind, _, _), v in totals.items() if kind == "status")
        assert all_status == Decimal(7 * 86400)  # the status covers the whole week, in hours or not


async def _report_with_rows(conn, rows: dict[str, tuple]) -> str:
    report_id = await conn.fetchval(
        "insert into report (as_of, status, row_count) values ('2024-03-14 12:00+00', 'complete', $1) returning id",
        len(rows))
    await conn.executemany(
        "insert into report_row values ($1, $2, $3, $4, $5, $6, $7, $8)",
        [(report_id, store_id, *map(Decimal, values)) for store_id, values in rows.items()])
    return report_id


# (uptime hour, day, week, downtime hour, day, week): weekly uptime 100 %, 75 %, 50 %, 0 %, none, 99.5 %
ROWS = {
    "a1": ("60", "24", "100", "0", "0", "0"),
    "b2": ("30", "12", "75", "30", "12", "25"),
    "c3": ("0", "6", "10", "60", "6", "10"),
    "d4": ("0", "0", "0", "60", "24", "40"),
    "e5": ("0", "0", "0", "0", "0", "0"),
    "A10": ("60", "20", "199", "0", "4", "1"),
}


async def test_headline_figures(conn):
    report_id = await _report_with_rows(conn, ROWS)
    row = await conn.fetchrow(queries["web_report_headline"], report_id)
    assert row["stores"] == 6
    assert row["business_hours_week"] == Decimal("460")  # 100 + 100 + 20 + 40 + 0 + 200
    assert row["uptime_hours_week"] == Decimal("384")
    assert row["downtime_hours_week"] == Decimal("76")
    assert round(row["uptime_pct_week"], 6) == round(Decimal(100 * 384) / 460, 6)
    assert round(row["uptime_pct_day"], 6) == round(Decimal(100 * 62) / 108, 6)  # day: up 62, down 46
    assert row["stores_without_business_time"] == 1


async def test_histogram_buckets(conn):
    report_id = await _report_with_rows(conn, ROWS)
    rows = await conn.fetch(queries["web_uptime_histogram"], report_id, 20)
    assert len(rows) == 20
    assert [(float(r["from_pct"]), float(r["to_pct"])) for r in rows[:2]] == [(0, 5), (5, 10)]
    counts = {r["bucket"]: r["stores"] for r in rows if r["stores"]}
    # 0 % -> first bucket; 50 % -> [50, 55); 75 % -> [75, 80); 99.5 % and 100 % -> the last, [95, 100]
    assert counts == {1: 1, 11: 1, 16: 1, 20: 2}


async def test_top_downtime_and_search(conn):
    report_id = await _report_with_rows(conn, ROWS)
    top = await conn.fetch(queries["web_top_downtime"], report_id, 3)
    assert [r["store_id"] for r in top] == ["d4", "b2", "c3"]  # 40, 25, 10 hours; stores never down are left out
    assert round(top[0]["uptime_pct_week"], 6) == 0
    all_down = await conn.fetch(queries["web_top_downtime"], report_id, 20)
    assert [r["store_id"] for r in all_down] == ["d4", "b2", "c3", "A10"]
    search = await conn.fetch(queries["web_store_search"], report_id, "a1", 20)
    assert [r["store_id"] for r in search] == ["a1", "A10"]  # exact match first, case-insensitive
    assert [r["store_id"] for r in await conn.fetch(queries["web_store_search"], report_id, "%", 20)] == []
    # no exact or prefix match: byte order, so upper case first
    assert [r["store_id"] for r in await conn.fetch(queries["web_store_search"], report_id, "1", 1)] == ["A10"]


async def test_latest_complete_report_for_a_store(conn):
    older = await _report_with_rows(conn, {"a1": ROWS["a1"]})
    await conn.execute("update report set queued_at = now() - interval '1 hour' where id = $1", older)
    newer = await _report_with_rows(conn, {"a1": ROWS["a1"]})
    running = await conn.fetchval("insert into report (as_of, status) values (now(), 'running') returning id")
    await conn.execute("insert into report_row (report_id, store_id, uptime_last_hour, uptime_last_day, "
                       "uptime_last_week, downtime_last_hour, downtime_last_day, downtime_last_week) "
                       "values ($1, 'a1', 0, 0, 0, 0, 0, 0)", running)
    assert await conn.fetchval(queries["web_latest_report_for_store"], "a1") == newer
    assert await conn.fetchval(queries["web_latest_report_for_store"], "zz") is None
