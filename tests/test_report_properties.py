"""The report SQL agrees with the Python model (tests/model.py) on random data, to the microsecond."""


from hypothesis import HealthCheck, given, settings

from tests.model import compute_report
from tests.report_support import differences, load_rows, sql_figures
from tests.strategies import STORES, scenarios


async def _sql_report(conn, polls, hours, zones, as_of, store_ids):
    await conn.execute("truncate store_status, store_hours, store_timezone")
    await load_rows(conn, polls, hours, zones)
    return await sql_figures(conn, as_of, store_ids)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_sql_agrees_with_model(sync_conn, scenario):
    loop, conn = sync_conn
    polls, hours, zones, as_of = scenario
    expected = compute_report(polls, hours, zones, as_of)
    actual = loop.run_until_complete(_sql_report(conn, polls, hours, zones, as_of, None))
    assert differences(expected, actual) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_sql_store_filter_and_shards_agree_with_model(sync_conn, scenario):
    loop, conn = sync_conn
    polls, hours, zones, as_of = scenario
    wanted = STORES[1:3]
    expected = compute_report(polls, hours, zones, as_of, wanted)
    filtered = loop.run_until_complete(_sql_report(conn, polls, hours, zones, as_of, wanted))
    assert differences(expected, filtered) == []
    # Shards by store range cover every store exactly once.
    everything = compute_report(polls, hours, zones, as_of)
    shards = {}
    for lo, hi in [(None, "s2"), ("s2", "s4"), ("s4", None)]:
        shards.update(loop.run_until_complete(sql_figures(conn, as_of, None, lo, hi)))
    assert differences(everything, shards) == []
