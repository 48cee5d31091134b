"""The report against the hand-computed cases of tests/support/cases.py (every rule and example of the spec, rules
10-12 included): the exact seconds of report_seconds_v3 read three ways (every poll, the status change summary, and
as the statement decides), and the CSV a user gets, through the real output path (the engine's shard statements,
then the COPY stream), byte for byte against the hand-written CSV or the hand values' CSV."""

import pytest

from app.summary.refresh import INFINITY, MINUS_INFINITY, refresh_summary_on, stale_from
from tests.support.cases import ALL_CASES, Case
from tests.support.model import to_csv
from tests.support.reports import differences, load_rows, report_csv, sql_figures


async def _load(conn, case: Case) -> None:
    await load_rows(conn, case.polls, case.hours, case.timezones, case.special)


@pytest.mark.parametrize("source", ["polls", "summary", "statement decides"])
@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
async def test_exact_seconds_match_hand_computed_case(conn, case, source):
    await _load(conn, case)
    until = MINUS_INFINITY
    if source != "polls":
        await refresh_summary_on(conn)
        assert await stale_from(conn, case.as_of) == INFINITY
        until = INFINITY if source == "summary" else None
    actual = await sql_figures(conn, case.as_of, case.store_ids, summary_until=until)
    assert differences(case.expected_figures(), actual) == []


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
async def test_report_csv_matches_hand_computed_case(conn, pool, case):
    await _load(conn, case)
    expected = case.expected_csv or to_csv(case.expected_figures())
    assert await report_csv(pool, case.as_of, case.store_ids) == expected
