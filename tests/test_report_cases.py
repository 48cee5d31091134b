"""The report SQL against the hand-computed cases of tests/cases.py (every rule and example of the spec)."""

import pytest

from tests.cases import CASES
from tests.report_support import differences, load_rows, sql_figures


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_sql_matches_hand_computed_case(conn, case):
    await load_rows(conn, case.polls, case.hours, case.timezones)
    actual = await sql_figures(conn, case.as_of, case.store_ids)
    assert differences(case.expected_figures(), actual) == []
