"""The report SQL agrees with the Python model (tests/support/model.py) on random data with special hours, to the
microsecond: reading every poll, reading the status change summary, and half and half (a summary made before a
later load)."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db.queries import queries
from app.summary.refresh import INFINITY, MINUS_INFINITY, refresh_summary_on, stale_from
from tests.support.model import compute_report
from tests.support.reports import differences, load_rows, sql_figures
from tests.support.strategies import STORES, scenarios_with_special

_RESET = ("truncate store_status, store_hours, store_timezone, special_hours, status_change, status_change_chunk, "
          "status_change_pending, polled_store")


async def _load_in_two(conn, scenario, split_minutes):
    """Polls before the split (minutes from as_of; None: all of them), a summary, then the later polls as the
    loader writes them (saying which time range they are in), so the summary stays usable for the chunks before
    that range."""
    polls, hours, zones, as_of, special = scenario
    split = None if split_minutes is None else as_of + timedelta(minutes=split_minutes)
    await conn.execute(_RESET)
    earlier = [p for p in polls if split is None or p.ts < split]
    later = [p for p in polls if split is not None and p.ts >= split]
    await load_rows(conn, earlier, hours, zones, special)
    await refresh_summary_on(conn)
    if later:
        async with conn.transaction():
            await conn.execute(queries["set_poll_range"], min(p.ts for p in later),
                               max(p.ts for p in later) + timedelta(microseconds=1))
            await load_rows(conn, later, [], {})


async def _all_ways(conn, as_of, store_ids=None, store_from=None, store_to=None) -> dict[str, dict]:
    """The figures read every way, after the two-part load: as the statement decides (the summary before the
    later polls' first chunk, the polls from it on), every poll, and (summarized again) the summary only."""
    ways = {"statement decides": await sql_figures(conn, as_of, store_ids, store_from, store_to, None),
            "polls": await sql_figures(conn, as_of, store_ids, store_from, store_to, MINUS_INFINITY)}
    await refresh_summary_on(conn)
    assert await stale_from(conn, as_of) == INFINITY
    ways["summary"] = await sql_figures(conn, as_of, store_ids, store_from, store_to, INFINITY)
    return ways


splits = st.one_of(st.none(), st.integers(-10 * 24 * 60, 2 * 60))  # minutes from as_of, as the polls' offsets


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios_with_special(), split_minutes=splits)
def test_sql_agrees_with_model(sync_conn, scenario, split_minutes):
    loop, conn = sync_conn
    polls, hours, zones, as_of, special = scenario
    expected = compute_report(polls, hours, zones, as_of, special=special)
    loop.run_until_complete(_load_in_two(conn, scenario, split_minutes))
    for way, actual in loop.run_until_complete(_all_ways(conn, as_of)).items():
        assert differences(expected, actual) == [], way


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios_with_special(), split_minutes=splits)
def test_sql_store_filter_and_shards_agree_with_model(sync_conn, scenario, split_minutes):
    loop, conn = sync_conn
    polls, hours, zones, as_of, special = scenario
    wanted = STORES[1:3]
    expected = compute_report(polls, hours, zones, as_of, wanted, special=special)
    loop.run_until_complete(_load_in_two(conn, scenario, split_minutes))
    for way, filtered in loop.run_until_complete(_all_ways(conn, as_of, wanted)).items():
        assert differences(expected, filtered) == [], way
    # Shards by store range cover every store exactly once.
    everything = compute_report(polls, hours, zones, as_of, special=special)
    shards = {}
    for lo, hi in [(None, "s2"), ("s2", "s4"), ("s4", None)]:
        shards.update(loop.run_until_complete(sql_figures(conn, as_of, None, lo, hi, INFINITY)))
    assert differences(everything, shards) == []
