"""The report SQL against the hand-computed cases of tests/support/cases.py (every rule and example of the spec), reading
every poll, reading the status change summary, and letting the statement decide how far the summary is usable."""

import pytest

from app.report.summary import INFINITY, MINUS_INFINITY, refresh_summary_on, stale_from
from tests.support.cases import CASES
from tests.support.reports import differences, load_rows, sql_figures


@pytest.mark.parametrize("source", ["polls", "summary", "statement decides"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_sql_matches_hand_computed_case(conn, case, source):
    await load_rows(conn, case.polls, case.hours, case.timezones)
    until = MINUS_INFINITY
    if source != "polls":
        await refresh_summary_on(conn)
        assert await stale_from(conn, case.as_of) == INFINITY
        until = INFINITY if source == "summary" else None
    actual = await sql_figures(conn, case.as_of, case.store_ids, summary_until=until)
    assert differences(case.expected_figures(), actual) == []
