"""Hypothesis strategies for random report scenarios, shared by the model's and the SQL's property tests.

:func:`scenarios` gives (polls, hours, zones, as_of); :func:`scenarios_with_special` adds special-hours
rows (rule 10) as a fifth item, for the tests of what knows special hours (so far the model only).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import strategies as st

from tests.support.cases import utc
from tests.support.model import ACTIVE, INACTIVE, HourRow, Poll, SpecialRow

STORES = ["s1", "s2", "s3", "s4"]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "UTC",
    "Mars/Olympus_Mons",
]
# as_of anchors near DST changes, so the generated weeks often contain one
ANCHORS = [
    utc("2024-03-10 00:00"),
    utc("2024-03-31 00:00"),
    utc("2024-04-07 00:00"),
    utc("2024-05-15 00:00"),
    utc("2024-10-06 00:00"),
    utc("2024-10-27 00:00"),
    utc("2024-11-03 00:00"),
]

as_ofs = st.builds(
    lambda anchor, minutes, micros: anchor + timedelta(minutes=minutes, microseconds=micros),
    st.sampled_from(ANCHORS),
    st.integers(-3 * 24 * 60, 9 * 24 * 60),
    st.sampled_from([0, 0, 0, 1, 500_000]),
)
wall_times = st.one_of(
    st.sampled_from([time(0), time(23, 59, 59), time(22), time(2), time(1, 30), time(2, 30), time(9)]),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
)
hour_rows = st.builds(HourRow, st.sampled_from(STORES), st.integers(0, 6), wall_times, wall_times)
timezone_maps = st.dictionaries(st.sampled_from(STORES), st.sampled_from(ZONES))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Poll], list[HourRow], dict[str, str], datetime]:
    """Random polls (some after now, some same-instant), hours and zones around a random now."""
    as_of = draw(as_ofs)
    offsets = st.integers(-10 * 24 * 60, 2 * 60)  # minutes relative to now: up to 10 days back
    poll_list = draw(
        st.lists(
            st.builds(
                lambda store, status, minutes, micros: Poll(
                    store, status, as_of + timedelta(minutes=minutes, microseconds=micros)
                ),
                st.sampled_from(STORES),
                st.sampled_from([ACTIVE, INACTIVE]),
                offsets,
                st.sampled_from([0, 0, 0, 7]),
            ),
            max_size=25,
        )
    )
    hours = draw(st.lists(hour_rows, max_size=10))
    return poll_list, hours, draw(timezone_maps), as_of


# closed, any pair of wall times (some end at or before their start, some at 23:59:59), or a
# typical late opening past midnight
special_times = st.one_of(
    st.just((None, None)),
    st.tuples(wall_times, wall_times),
    st.sampled_from([(time(20), time(2)), (time(18), time(23, 59, 59)), (time(0), time(0))]),
)


def special_rows_around(as_of: datetime) -> st.SearchStrategy[SpecialRow]:
    """Special rows on dates from ten days before ``as_of``'s UTC date to two days after it, so around
    and inside the week window whatever the store's zone."""
    return st.builds(
        lambda store, days_before, times: SpecialRow(store, as_of.date() - timedelta(days=days_before), *times),
        st.sampled_from(STORES),
        st.integers(-2, 10),
        special_times,
    )


@st.composite
def scenarios_with_special(
    draw: st.DrawFn,
) -> tuple[list[Poll], list[HourRow], dict[str, str], datetime, list[SpecialRow]]:
    """A :func:`scenarios` scenario plus special rows on dates around its week window."""
    polls, hours, zones, as_of = draw(scenarios())
    special = draw(st.lists(special_rows_around(as_of), max_size=6))
    return polls, hours, zones, as_of, special
