"""The web pages' SQL (sql/queries/web.sql): the store timeline is cut from the pieces every report figure is summed
from, so over the report's week it gives the hand-computed figures of every case, agrees with the Python model on
random data, and adds up to the report on a generated sample; the report page's aggregates are right on
hand-made report rows."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from app.db.queries import queries
from tests.support.cases import ALL_CASES
from tests.support.model import business_intervals, merge_intervals, status_per_instant, status_segments
from tests.support.reports import load_rows
from tests.support.strategies import STORES, scenarios_with_special
from tests.support.web import load_generated_sample

WEEK = timedelta(days=7)


async def _zone(conn, store_id: str) -> str:
    return await conn.fetchval("select z.zone from (select $1::text as store_id) s left join store_timezone t "
                               "using (store_id) cross join lateral store_zone_v1(t.timezone_str) z", store_id)


async def _timeline(conn, store_id, as_of):
    return await conn.fetch(queries["web_store_timeline"], store_id, as_of - WEEK, as_of, await _zone(conn, store_id))


def _week_totals(pieces) -> dict:
    totals: dict = defaultdict(Decimal)
    for p in pieces:
        totals[p["kind"], p["status"], p["in_hours"]] += p["seconds"]
    return totals


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
async def test_timeline_over_the_week_gives_the_hand_computed_figures(conn, case):
    await load_rows(conn, case.polls, case.hours, case.timezones, case.special)
    for store_id, expected in case.expected.items():
        totals = _week_totals(await _timeline(conn, store_id, case.as_of))
        up_week, down_week = Decimal(expected[2]), Decimal(expected[5])
        assert totals["status", "active", True] == up_week, store_id
        assert totals["status", "inactive", True] == down_week, store_id
        assert totals["hours", None, True] == up_week + down_week, store_id


def _merged(spans):
    out = []
    for start, end, state in spans:
        if out and out[-1][2] == state and out[-1][1] == start:
            out[-1] = (out[-1][0], end, state)
        else:
            out.append((start, end, state))
    return out


async def _timelines(conn, scenario):
    polls, hours, zones, as_of, special = scenario
    await conn.execute("truncate store_status, store_hours, store_timezone, special_hours")
    await load_rows(conn, polls, hours, zones, special)
    return {store: await _timeline(conn, store, as_of) for store in STORES}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios_with_special())
def test_timeline_agrees_with_the_model(sync_conn, scenario):
    """Whole-week runs of business hours and of status, ignoring the local-midnight cuts the page draws at."""
    loop, conn = sync_conn
    polls, hours, zones, as_of, special = scenario
    start = as_of - WEEK
    timelines = loop.run_until_complete(_timelines(conn, scenario))
    for store in STORES:
        pieces = timelines[store]
        store_polls = [p for p in polls if p.store_id == store and p.ts <= as_of]
        if not store_polls:
            assert pieces == [], store
            continue
        expected_hours = business_intervals([h for h in hours if h.store_id == store], zones.get(store), start,
                                            as_of, [s for s in special if s.store_id == store])
        actual_hours = merge_intervals((p["starts_at"], p["ends_at"]) for p in pieces if p["kind"] == "hours")
        assert actual_hours == expected_hours, store
        expected_status = _merged(status_segments(status_per_instant(store_polls), start, as_of))
        actual_status = _merged(sorted((p["starts_at"], p["ends_at"], p["status"])
                                       for p in pieces if p["kind"] == "status"))
        assert actual_status == expected_status, store


async def test_the_timeline_pieces_add_up_to_the_report_and_stay_inside_their_day(db_settings, tmp_path, conn):
    await load_generated_sample(db_settings, tmp_path / "sample", 60)
    as_of = await conn.fetchval("select newest_poll_v1()")
    start = as_of - WEEK
    figures = {r["store_id"]: r for r in await conn.fetch("select * from report_seconds_v3($1, null, null, null)",
                                                           as_of)}
    for store_id, expected in figures.items():
        zone = await _zone(conn, store_id)
        pieces = await conn.fetch(queries["web_store_timeline"], store_id, start, as_of, zone)
        days = {r["day"] for r in await conn.fetch(queries["web_local_days"], start, as_of, zone)}
        for p in pieces:
            assert p["day"] in days
            assert 0 <= p["from_hour"] <= 24 and 0 <= p["to_hour"] <= 24, dict(p)
            assert p["seconds"] > 0
        totals = _week_totals(pieces)
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
    assert await conn.fetchval(queries["web_latest_report_for_store"], "a1", True, None) == newer
    assert await conn.fetchval(queries["web_latest_report_for_store"], "zz", True, None) is None
    # A tenant's key sees its tenant's reports only.
    tenant = await conn.fetchval("insert into tenant (name) values ('acme') returning id")
    assert await conn.fetchval(queries["web_latest_report_for_store"], "a1", False, tenant) is None
    await conn.execute("update report set tenant_id = $1 where id = $2", tenant, older)
    assert await conn.fetchval(queries["web_latest_report_for_store"], "a1", False, tenant) == older
