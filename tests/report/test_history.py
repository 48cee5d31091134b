"""The read path whose cost does not grow with history (report_polls_v3): the day before the week, one row for each
other store, found by an index probe, then the week's rows. Exact against the model over histories of several weeks,
with stores silent for weeks before the window, as_of at and around chunk (UTC day) boundaries, store filters, and a
summary that is partly stale."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db.queries import queries
from app.summary.refresh import INFINITY, MINUS_INFINITY, refresh_summary_on
from tests.support.cases import utc
from tests.support.model import ACTIVE, INACTIVE, HourRow, Poll, compute_report
from tests.support.reports import differences, load_rows, sql_figures

BOUNDARY = utc("2024-04-01 00:00")  # a chunk boundary
STORES = ["a", "b", "c", "d", "e"]

as_ofs = st.builds(lambda days, micros: BOUNDARY + timedelta(days=days, microseconds=micros),
                   st.integers(-2, 2), st.sampled_from([0, 1, -1, 3_600_000_000, -86_399_999_999]))


@st.composite
def histories(draw):
    """Polls over the five weeks before as_of: store `d` falls silent two to four weeks before the window, `e`
    starts inside it; the others poll now and then, some of them at exact chunk boundaries."""
    as_of = draw(as_ofs)
    polls = []
    for store in ("a", "b", "c"):
        for _ in range(draw(st.integers(0, 12))):
            minutes = draw(st.one_of(st.integers(-35 * 24 * 60, 60), st.sampled_from([-7 * 24 * 60, -6 * 24 * 60])))
            at = as_of + timedelta(minutes=minutes)
            if draw(st.booleans()):
                at = at.replace(hour=0, minute=0, second=0, microsecond=0)  # a chunk boundary
            polls.append(Poll(store, draw(st.sampled_from([ACTIVE, INACTIVE])), at))
    silent_since = as_of - timedelta(days=draw(st.integers(14, 28)))
    polls.append(Poll("d", draw(st.sampled_from([ACTIVE, INACTIVE])), silent_since))
    polls.append(Poll("d", draw(st.sampled_from([ACTIVE, INACTIVE])), silent_since - timedelta(days=3)))
    polls.append(Poll("e", draw(st.sampled_from([ACTIVE, INACTIVE])), as_of - timedelta(days=draw(st.integers(0, 6)))))
    hours = draw(st.lists(st.builds(HourRow, st.sampled_from(STORES), st.integers(0, 6),
                                    st.sampled_from([utc("2024-01-01 09:00").time(), utc("2024-01-01 22:00").time()]),
                                    st.sampled_from([utc("2024-01-01 17:00").time(), utc("2024-01-01 02:00").time()])),
                          max_size=4))
    stale_days = draw(st.sampled_from([None, 1, 10, 30]))  # polls of the last N days written after the summary
    return polls, hours, as_of, stale_days


async def _load(conn, polls, hours, as_of, stale_days) -> None:
    await conn.execute("truncate store_status, store_hours, store_timezone, status_change, status_change_chunk, "
                       "status_change_pending, polled_store")
    split = None if stale_days is None else as_of - timedelta(days=stale_days)
    await load_rows(conn, [p for p in polls if split is None or p.ts < split], hours, {"c": "Asia/Kolkata"})
    await refresh_summary_on(conn)
    later = [p for p in polls if split is not None and p.ts >= split]
    if later:
        async with conn.transaction():
            await conn.execute(queries["set_poll_range"], min(p.ts for p in later),
                               max(p.ts for p in later) + timedelta(microseconds=1))
            await load_rows(conn, later, [], {})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(), wanted=st.sampled_from([None, ["a", "d"], ["d"], ["e", "x"]]))
def test_reports_over_long_histories_agree_with_the_model(sync_conn, history, wanted):
    loop, conn = sync_conn
    polls, hours, as_of, stale_days = history
    loop.run_until_complete(_load(conn, polls, hours, as_of, stale_days))
    expected = compute_report(polls, hours, {"c": "Asia/Kolkata"}, as_of, wanted)
    for until in (None, MINUS_INFINITY):  # as the statement finds the summary usable, and reading every poll
        actual = loop.run_until_complete(sql_figures(conn, as_of, wanted, summary_until=until))
        assert differences(expected, actual) == [], until
    loop.run_until_complete(refresh_summary_on(conn))
    actual = loop.run_until_complete(sql_figures(conn, as_of, wanted, summary_until=INFINITY))
    assert differences(expected, actual) == [], "summary"


def test_the_windows_are_whole_hours_in_any_session_time_zone(sync_conn):
    """Rule 2: the week is 7 x 24 hours before as_of even for a session whose TimeZone steps over a DST change (in
    New York, `as_of - interval '7 days'` across 2024-03-10 is 167 hours)."""
    loop, conn = sync_conn
    as_of = utc("2024-03-12 12:00")
    polls = [Poll("a", INACTIVE, as_of - timedelta(days=8)), Poll("b", ACTIVE, as_of - timedelta(days=9)),
             Poll("b", INACTIVE, as_of - timedelta(hours=167, minutes=30))]
    loop.run_until_complete(_load(conn, polls, [], as_of, None))
    expected = compute_report(polls, [], {}, as_of, None)
    assert expected["a"].downtime_last_week == timedelta(hours=168)
    loop.run_until_complete(conn.execute("set timezone = 'America/New_York'"))
    try:
        for until in (None, MINUS_INFINITY, INFINITY):
            actual = loop.run_until_complete(sql_figures(conn, as_of, summary_until=until))
            assert differences(expected, actual) == [], until
    finally:
        loop.run_until_complete(conn.execute("reset timezone"))


def test_a_report_excludes_the_chunks_outside_its_window_when_planned(sync_conn):
    """With as_of and the summary's extent given as constants (as the engine gives them), the bounds derived from
    them are constants too: TimescaleDB excludes old chunks when the statement is planned, not at every executor
    start (nor at every rescan of the per-store probe), which on a long history cost more than the report's rows."""
    loop, conn = sync_conn
    as_of = BOUNDARY + timedelta(hours=5)
    polls = [Poll(s, ACTIVE if d % 2 else INACTIVE, as_of - timedelta(days=d, hours=3))
             for s in STORES for d in range(0, 30)]
    loop.run_until_complete(_load(conn, polls, [], as_of, None))
    literal = as_of.isoformat()
    plan = "\n".join(r[0] for r in loop.run_until_complete(conn.fetch(
        f"explain select * from report_rows_v4('{literal}'::timestamptz, null, null, null, 'infinity'::timestamptz)")))
    startup = [line.strip() for line in plan.splitlines()
               if "excluded during startup" in line and not line.strip().endswith(": 0")]
    assert startup == [], plan


def test_a_store_whose_only_poll_is_at_as_of_and_not_summarized_is_reported(sync_conn):
    """Rule 3 with a stale summary whose stale range starts at as_of itself: the store's first status is carried
    back over the week (found by hypothesis: the stale days were looked at only when they began before as_of)."""
    loop, conn = sync_conn
    as_of = BOUNDARY
    polls = [Poll("d", ACTIVE, as_of - timedelta(days=14)), Poll("e", INACTIVE, as_of)]
    loop.run_until_complete(_load(conn, polls, [], as_of, 0))
    expected = compute_report(polls, [], {}, as_of, None)
    assert set(expected) == {"d", "e"}
    for until in (None, as_of, MINUS_INFINITY):
        actual = loop.run_until_complete(sql_figures(conn, as_of, summary_until=until))
        assert differences(expected, actual) == [], until
