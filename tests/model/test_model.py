"""The reference model against the hand-computed cases, plus properties any report must have."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import pytz
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.cases import ALL_CASES, Case, closed, every_day, h, sp, utc
from tests.support.model import (
    ACTIVE,
    INACTIVE,
    LAST_DAY,
    LAST_HOUR,
    LAST_WEEK,
    DayFigures,
    Figures,
    HourRow,
    Interval,
    Poll,
    SpecialRow,
    business_intervals,
    clip,
    compute_report,
    dates_between,
    days,
    days_csv,
    local_day,
    local_interval,
    local_to_utc,
    merge_intervals,
    outages,
    outages_csv,
    round_half_up,
    status_per_instant,
    status_segments,
    to_csv,
    total_length,
    up_and_down,
    zone_for,
)
from tests.support.strategies import STORES, scenarios, scenarios_with_special, special_times

WINDOWS = (LAST_HOUR, LAST_DAY, LAST_WEEK)


def run(case: Case) -> dict[str, Figures]:
    return compute_report(case.polls, case.hours, case.timezones, case.as_of, case.store_ids, case.special)


def run_outages(case: Case) -> dict[str, list[tuple[datetime, datetime]]]:
    return outages(case.polls, case.hours, case.timezones, case.as_of, case.store_ids, case.special)


def run_days(case: Case) -> dict[tuple[str, date], DayFigures]:
    return days(case.polls, case.hours, case.timezones, case.as_of, *case.day_range(), case.store_ids, case.special)


def cases_with(attribute: str) -> list:
    """pytest params of the cases that give ``attribute``, named after the case."""
    return [pytest.param(case, id=case.name) for case in ALL_CASES if getattr(case, attribute) is not None]


# --- hand-computed cases --------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases_with("expected"))
def test_model_reproduces_hand_computed_case(case: Case) -> None:
    assert run(case) == case.expected_figures()


@pytest.mark.parametrize("case", cases_with("expected_csv"))
def test_csv_matches_hand_written_csv(case: Case) -> None:
    assert to_csv(run(case)) == case.expected_csv


@pytest.mark.parametrize("case", cases_with("expected_outages"))
def test_model_reproduces_hand_computed_outages(case: Case) -> None:
    assert run_outages(case) == case.expected_outage_intervals()


@pytest.mark.parametrize("case", cases_with("expected_outages_csv"))
def test_outages_csv_matches_hand_written_csv(case: Case) -> None:
    assert outages_csv(run_outages(case)) == case.expected_outages_csv


@pytest.mark.parametrize("case", cases_with("expected_days"))
def test_model_reproduces_hand_computed_days(case: Case) -> None:
    assert run_days(case) == case.expected_day_figures()


@pytest.mark.parametrize("case", cases_with("expected_days_csv"))
def test_days_csv_matches_hand_written_csv(case: Case) -> None:
    assert days_csv(run_days(case)) == case.expected_days_csv


def test_case_figures_add_up_to_business_time() -> None:
    """A check on the hand arithmetic itself: up + down of each case = the model's business time."""
    for case in ALL_CASES:
        for store_id, values in case.expected_figures().items():
            rows = [row for row in case.hours if row.store_id == store_id]
            special = [row for row in case.special if row.store_id == store_id]
            for index, length in enumerate(WINDOWS):
                business = business_intervals(
                    rows, case.timezones.get(store_id), case.as_of - length, case.as_of, special
                )
                up, down = values.as_tuple()[index], values.as_tuple()[index + 3]
                assert up + down == total_length(business), (case.name, store_id, length)


def test_hand_outages_add_up_to_hand_downtime_last_week() -> None:
    """A check on the hand arithmetic alone (no model): outages and figures of a case agree."""
    for case in ALL_CASES:
        if case.expected_outages is None:
            continue
        assert set(case.expected_outages) == set(case.expected), case.name
        for store_id, spans in case.expected_outage_intervals().items():
            downtime_last_week = case.expected_figures()[store_id].downtime_last_week
            assert total_length(spans) == downtime_last_week, (case.name, store_id)


def test_hand_days_add_up_and_cover_every_reported_store() -> None:
    """A check on the hand arithmetic alone (no model): business = up + down on every hand day."""
    for case in ALL_CASES:
        if case.expected_days is None:
            continue
        first, last = case.day_range()
        expected_keys = {(store_id, first + timedelta(days=n)) for store_id in case.expected
                         for n in range((last - first).days + 1)}
        assert set(case.expected_day_figures()) == expected_keys, case.name
        for key, figures in case.expected_day_figures().items():
            assert figures.business == figures.uptime + figures.downtime, (case.name, key)


# --- local time to UTC (PostgreSQL's timestamp AT TIME ZONE) ---------------------------------------


@pytest.mark.parametrize(
    ("zone", "wall", "expected_utc"),
    [
        # spec example: New York spring-forward day
        ("America/New_York", "2024-03-10 01:00", "2024-03-10 06:00"),
        ("America/New_York", "2024-03-10 02:30", "2024-03-10 07:30"),  # gap: EST
        ("America/New_York", "2024-03-10 04:00", "2024-03-10 08:00"),
        ("America/New_York", "2024-11-03 00:59", "2024-11-03 04:59"),  # EDT
        ("America/New_York", "2024-11-03 01:30", "2024-11-03 06:30"),  # repeated: later (EST)
        ("America/New_York", "2024-11-03 02:00", "2024-11-03 07:00"),
        ("Europe/London", "2024-03-31 00:59", "2024-03-31 00:59"),
        ("Europe/London", "2024-03-31 01:30", "2024-03-31 01:30"),  # gap: GMT
        ("Europe/London", "2024-03-31 02:00", "2024-03-31 01:00"),  # BST
        ("Europe/London", "2024-10-27 00:30", "2024-10-26 23:30"),  # BST
        ("Europe/London", "2024-10-27 01:30", "2024-10-27 01:30"),  # repeated: later (GMT)
        ("Australia/Sydney", "2024-04-07 01:59", "2024-04-06 14:59"),  # AEDT +11
        ("Australia/Sydney", "2024-04-07 02:30", "2024-04-06 16:30"),  # repeated: later (AEST)
        ("Australia/Sydney", "2024-04-07 03:00", "2024-04-06 17:00"),
        ("Australia/Sydney", "2024-10-06 01:59", "2024-10-05 15:59"),  # AEST +10
        ("Australia/Sydney", "2024-10-06 02:30", "2024-10-05 16:30"),  # gap: AEST
        ("Australia/Sydney", "2024-10-06 03:00", "2024-10-05 16:00"),  # AEDT
        ("Asia/Kolkata", "2024-05-15 09:00", "2024-05-15 03:30"),
        ("Asia/Kathmandu", "2024-05-15 09:00", "2024-05-15 03:15"),
        # zones whose winter offset is flagged DST: the rule goes by before/after, not by the flag.
        # Dublin: IST (+1) -> GMT at 02:00 IST on 2024-10-27; GMT -> IST at 01:00 GMT on 2024-03-31
        ("Europe/Dublin", "2024-10-27 01:30", "2024-10-27 01:30"),  # repeated: later (GMT), not 00:30 (IST)
        ("Europe/Dublin", "2024-03-31 01:30", "2024-03-31 01:30"),  # gap: GMT, the offset before
        # Casablanca: +01 -> +00 at 03:00 on 2024-03-10 (Ramadan), back to +01 at 02:00 on 2024-04-14
        ("Africa/Casablanca", "2024-03-10 02:30", "2024-03-10 02:30"),  # repeated: later (+00), not 01:30
        ("Africa/Casablanca", "2024-04-14 02:30", "2024-04-14 02:30"),  # gap: +00, the offset before
    ],
)
def test_local_to_utc_matches_postgresql_rule(zone: str, wall: str, expected_utc: str) -> None:
    assert local_to_utc(datetime.fromisoformat(wall), pytz.timezone(zone)) == utc(expected_utc)


def test_spec_gap_day_has_two_business_hours() -> None:
    rows = [h("ny", 6, "01:00", "04:00")]
    got = business_intervals(rows, "America/New_York", utc("2024-03-09 00:00"), utc("2024-03-11 00:00"))
    assert got == [(utc("2024-03-10 06:00"), utc("2024-03-10 08:00"))]


@pytest.mark.parametrize(
    ("start", "end", "expected_length"),
    [
        ("22:00", "02:00", timedelta(hours=4)),
        ("09:00", "09:00", timedelta(hours=24)),
        ("00:00:00", "23:59:59", timedelta(hours=24)),
        ("22:00:00", "23:59:59", timedelta(hours=2)),
        ("23:59:59", "23:59:59", timedelta(seconds=1)),  # the 23:59:59 end is read first
        ("09:00", "17:00", timedelta(hours=8)),
    ],
)
def test_local_interval_shapes(start: str, end: str, expected_length: timedelta) -> None:
    row = h("s", 2, start, end)
    local_start, local_end = local_interval(row, datetime(2024, 5, 15).date())
    assert local_start == datetime.combine(datetime(2024, 5, 15).date(), row.start)
    assert local_end - local_start == expected_length


def test_unknown_zone_falls_back_to_chicago() -> None:
    rows = [h("s", 2, "06:00", "10:00")]
    window = (utc("2024-05-15 00:00"), utc("2024-05-16 00:00"))
    chicago = business_intervals(rows, "America/Chicago", *window)
    assert chicago == [(utc("2024-05-15 11:00"), utc("2024-05-15 15:00"))]
    # pytz.timezone() would accept "america/denver"; PostgreSQL's exact name match does not
    for name in (None, "", "Mars/Olympus_Mons", "../etc/passwd", "Not a zone", "america/denver", "AMERICA/DENVER"):
        assert business_intervals(rows, name, *window) == chicago


# --- special hours (rule 10) ----------------------------------------------------------------------


def test_special_rows_replace_the_weekly_rows_of_their_date_only() -> None:
    weekly = every_day("s", "09:00", "17:00")
    special = [sp("s", "2024-05-15", "10:00", "12:00"), closed("s", "2024-05-16")]
    got = business_intervals(weekly, "UTC", utc("2024-05-14 00:00"), utc("2024-05-18 00:00"), special)
    assert got == [
        (utc("2024-05-14 09:00"), utc("2024-05-14 17:00")),
        (utc("2024-05-15 10:00"), utc("2024-05-15 12:00")),
        (utc("2024-05-17 09:00"), utc("2024-05-17 17:00")),
    ]


def test_closed_row_next_to_open_rows_adds_nothing() -> None:
    special = [sp("s", "2024-05-15", "10:00", "12:00"), closed("s", "2024-05-15")]
    got = business_intervals([], "UTC", utc("2024-05-15 00:00"), utc("2024-05-16 00:00"), special)
    assert got == [(utc("2024-05-15 10:00"), utc("2024-05-15 12:00"))]


def test_special_row_with_one_time_only_is_refused() -> None:
    with pytest.raises(ValueError, match="neither"):
        SpecialRow("s", datetime(2024, 5, 15).date(), time(9), None)


# --- rounding and CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "unit", "expected"),
    [
        (timedelta(seconds=0.3), timedelta(minutes=1), "0.01"),  # 0.005 -> up
        (timedelta(seconds=18), timedelta(hours=1), "0.01"),  # 0.005 -> up
        (timedelta(seconds=3599.7), timedelta(minutes=1), "60.00"),  # 59.995 -> up
        (timedelta(seconds=0.29), timedelta(minutes=1), "0.00"),  # 0.00483 -> down
        (timedelta(seconds=86382), timedelta(hours=1), "24.00"),  # 23.995 -> up
        (timedelta(0), timedelta(hours=1), "0.00"),
        (timedelta(days=7), timedelta(hours=1), "168.00"),
    ],
)
def test_round_half_up(duration: timedelta, unit: timedelta, expected: str) -> None:
    value = round_half_up(duration, unit)
    assert value == Decimal(expected)
    assert f"{value:.2f}" == expected


def test_outages_csv_keeps_one_store_or_the_long_enough_outages() -> None:
    result = {
        "b": [(utc("2024-05-15 10:00"), utc("2024-05-15 10:00:06"))],  # 6 s = exactly 0.1 min
        "a": [
            (utc("2024-05-15 11:00"), utc("2024-05-15 11:30")),
            (utc("2024-05-15 10:00"), utc("2024-05-15 10:00:05.999999")),  # 0.09999998.. min
        ],
    }
    header = "store_id,start_utc,end_utc,minutes\n"
    short_a = "a,2024-05-15T10:00:00.000000Z,2024-05-15T10:00:05.999999Z,0.10\n"
    long_a = "a,2024-05-15T11:00:00.000000Z,2024-05-15T11:30:00.000000Z,30.00\n"
    b = "b,2024-05-15T10:00:00.000000Z,2024-05-15T10:00:06.000000Z,0.10\n"
    assert outages_csv(result) == header + short_a + long_a + b
    assert outages_csv(result, store_id="a") == header + short_a + long_a
    assert outages_csv(result, min_minutes=0.1) == header + long_a + b
    assert outages_csv(result, min_minutes=Decimal("30.000001")) == header
    assert outages_csv({}) == header


def test_days_of_an_empty_range_and_the_csv_header() -> None:
    polls = [Poll("s", ACTIVE, utc("2024-05-15 10:00"))]
    assert days(polls, [], {}, utc("2024-05-15 12:00"), date(2024, 5, 15), date(2024, 5, 14)) == {}
    assert days_csv({}) == "store_id,date_local,business_hours,uptime_hours,downtime_hours\n"


def test_csv_of_empty_report_is_the_header() -> None:
    assert to_csv({}) == (
        "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
        "downtime_last_hour,downtime_last_day,downtime_last_week\n"
    )


# --- properties --------------------------------------------------------------------------------------


def of_store(rows: list, store_id: str) -> list:
    """The hours, special or poll rows of one store."""
    return [row for row in rows if row.store_id == store_id]


def business_time(
    hours: list[HourRow], special: list[SpecialRow], zone: str | None, store_id: str, as_of: datetime
) -> list[timedelta]:
    rows, special_rows = of_store(hours, store_id), of_store(special, store_id)
    return [total_length(business_intervals(rows, zone, as_of - length, as_of, special_rows)) for length in WINDOWS]


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# the tests added with rules 10-12 run fewer examples, to keep tests/model within ~20 s
FEWER_EXAMPLES = settings(PROPERTY_SETTINGS, max_examples=60)


@PROPERTY_SETTINGS
@given(scenarios_with_special())
def test_uptime_plus_downtime_is_business_time(scenario) -> None:
    polls, hours, zones, as_of, special = scenario
    for store_id, figures in compute_report(polls, hours, zones, as_of, special=special).items():
        values = figures.as_tuple()
        expected = business_time(hours, special, zones.get(store_id), store_id, as_of)
        assert [values[i] + values[i + 3] for i in range(3)] == expected


@PROPERTY_SETTINGS
@given(scenarios_with_special())
def test_figures_are_between_zero_and_window_length(scenario) -> None:
    polls, hours, zones, as_of, special = scenario
    for figures in compute_report(polls, hours, zones, as_of, special=special).values():
        values = figures.as_tuple()
        for index, length in enumerate(WINDOWS):
            assert timedelta(0) <= values[index] <= length
            assert timedelta(0) <= values[index + 3] <= length
            assert values[index] + values[index + 3] <= length


@PROPERTY_SETTINGS
@given(scenarios_with_special())
def test_store_without_hours_is_open_the_whole_window(scenario) -> None:
    polls, hours, zones, as_of, special = scenario
    with_rows = {row.store_id for row in [*hours, *special]}
    for store_id, figures in compute_report(polls, hours, zones, as_of, special=special).items():
        if store_id not in with_rows:
            values = figures.as_tuple()
            assert [values[i] + values[i + 3] for i in range(3)] == list(WINDOWS)


@PROPERTY_SETTINGS
@given(scenarios_with_special())
def test_reported_stores_are_those_with_a_poll_at_or_before_now(scenario) -> None:
    polls, hours, zones, as_of, special = scenario
    expected = {poll.store_id for poll in polls if poll.ts <= as_of}
    assert set(compute_report(polls, hours, zones, as_of, special=special)) == expected
    assert set(outages(polls, hours, zones, as_of, special=special)) == expected


@PROPERTY_SETTINGS
@given(
    scenarios_with_special(),
    st.sampled_from(STORES + ["new_store"]),
    st.sampled_from([ACTIVE, INACTIVE]),
    st.integers(0, 10_000_000_000),
)
def test_polls_after_now_change_nothing(scenario, store_id, status, microseconds_later) -> None:
    polls, hours, zones, as_of, special = scenario
    late_poll = Poll(store_id, status, as_of + timedelta(microseconds=1 + microseconds_later))
    before = compute_report(polls, hours, zones, as_of, special=special)
    assert compute_report([*polls, late_poll], hours, zones, as_of, special=special) == before
    before_outages = outages(polls, hours, zones, as_of, special=special)
    assert outages([*polls, late_poll], hours, zones, as_of, special=special) == before_outages


@PROPERTY_SETTINGS
@given(scenarios_with_special(), st.lists(st.sampled_from(STORES + ["unknown"]), unique=True))
def test_store_filter_returns_a_subset_with_identical_figures(scenario, wanted) -> None:
    polls, hours, zones, as_of, special = scenario
    everything = compute_report(polls, hours, zones, as_of, special=special)
    filtered = compute_report(polls, hours, zones, as_of, store_ids=wanted, special=special)
    assert filtered == {store_id: everything[store_id] for store_id in wanted if store_id in everything}
    all_outages = outages(polls, hours, zones, as_of, special=special)
    filtered_outages = outages(polls, hours, zones, as_of, store_ids=wanted, special=special)
    assert filtered_outages == {store_id: all_outages[store_id] for store_id in wanted if store_id in all_outages}


@PROPERTY_SETTINGS
@given(scenarios_with_special(), st.randoms(use_true_random=False))
def test_input_order_changes_nothing(scenario, rng: random.Random) -> None:
    polls, hours, zones, as_of, special = scenario
    shuffled_polls, shuffled_hours, shuffled_special = polls[:], hours[:], special[:]
    rng.shuffle(shuffled_polls)
    rng.shuffle(shuffled_hours)
    rng.shuffle(shuffled_special)
    shuffled_zones = dict(rng.sample(list(zones.items()), len(zones)))
    assert compute_report(
        shuffled_polls, shuffled_hours, shuffled_zones, as_of, special=shuffled_special
    ) == compute_report(polls, hours, zones, as_of, special=special)


@PROPERTY_SETTINGS
@given(scenarios_with_special(), st.randoms(use_true_random=False))
def test_duplicate_rows_change_nothing(scenario, rng: random.Random) -> None:
    polls, hours, zones, as_of, special = scenario
    more_polls = polls + [rng.choice(polls) for _ in polls]
    more_hours = hours + [rng.choice(hours) for _ in hours]
    more_special = special + [rng.choice(special) for _ in special]
    assert compute_report(more_polls, more_hours, zones, as_of, special=more_special) == compute_report(
        polls, hours, zones, as_of, special=special
    )


# --- properties of special hours (rule 10) ------------------------------------------------------------


def copies_of_weekly_rows(hours: list[HourRow], store_id: str, local_date: date) -> list[SpecialRow]:
    """Special rows for ``local_date`` saying what the weekly rows already say (00:00-00:00 for a
    store without weekly rows, closed for a weekday without rows)."""
    weekly = of_store(hours, store_id)
    if not weekly:
        return [SpecialRow(store_id, local_date, time(0), time(0))]
    same_weekday = [row for row in weekly if row.day_of_week == local_date.weekday()]
    if not same_weekday:
        return [SpecialRow(store_id, local_date, None, None)]
    return [SpecialRow(store_id, local_date, row.start, row.end) for row in same_weekday]


@FEWER_EXAMPLES
@given(scenarios(), st.lists(st.tuples(st.sampled_from(STORES), st.integers(-2, 10)), max_size=4))
def test_special_rows_copying_a_dates_weekly_rows_change_nothing(scenario, store_dates) -> None:
    polls, hours, zones, as_of = scenario
    special = [
        row
        for store_id, days_before in store_dates
        for row in copies_of_weekly_rows(hours, store_id, as_of.date() - timedelta(days=days_before))
    ]
    assert compute_report(polls, hours, zones, as_of, special=special) == compute_report(polls, hours, zones, as_of)
    assert outages(polls, hours, zones, as_of, special=special) == outages(polls, hours, zones, as_of)


@FEWER_EXAMPLES
@given(
    scenarios(),
    st.lists(
        st.builds(
            lambda store_id, days_after, times: (store_id, days_after, times),
            st.sampled_from(STORES),
            # local dates whose intervals cannot reach the week window in any zone: they end by
            # D + 2 00:00 local, and the window's local dates are now - 7 d's UTC date - 1 to now's + 1
            st.one_of(st.integers(-14, -10), st.integers(2, 4)),
            special_times,
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_special_rows_on_dates_outside_the_window_change_nothing(scenario, picks) -> None:
    polls, hours, zones, as_of = scenario
    special = [
        SpecialRow(store_id, as_of.date() + timedelta(days=days_after), *times) for store_id, days_after, times in picks
    ]
    assert compute_report(polls, hours, zones, as_of, special=special) == compute_report(polls, hours, zones, as_of)
    assert outages(polls, hours, zones, as_of, special=special) == outages(polls, hours, zones, as_of)


def intervals_opening_on(local_date: date, weekly: list[HourRow], zone_name: str | None) -> list[Interval]:
    """The UTC intervals the weekly rows (or 24/7's 00:00-00:00) open on ``local_date``."""
    if weekly:
        walls = [local_interval(row, local_date) for row in weekly if row.day_of_week == local_date.weekday()]
    else:
        midnight = datetime.combine(local_date, time(0))
        walls = [(midnight, midnight + LAST_DAY)]
    zone = zone_for(zone_name)
    return [(local_to_utc(start, zone), local_to_utc(end, zone)) for start, end in walls]


def covered(interval: Interval, merged: list[Interval]) -> bool:
    """``interval`` lies inside one of the merged intervals."""
    return any(start <= interval[0] and interval[1] <= end for start, end in merged)


@FEWER_EXAMPLES
@given(
    scenarios(),
    st.sampled_from(STORES),
    st.integers(-2, 10),
    st.lists(special_times, min_size=1, max_size=3),
)
def test_special_rows_for_a_date_replace_only_the_intervals_opening_that_date(
    scenario, store_id, days_before, times
) -> None:
    _, hours, zones, as_of = scenario
    zone_name, weekly = zones.get(store_id), of_store(hours, store_id)
    local_date = as_of.date() - timedelta(days=days_before)
    special = [SpecialRow(store_id, local_date, *pair) for pair in times]
    week_start = as_of - LAST_WEEK
    with_special = business_intervals(weekly, zone_name, week_start, as_of, special)
    # the intervals opening on D lie in [D 00:00, D + 2 00:00) local, converted (no zone used here
    # changes its offset near midnight): elsewhere nothing changes
    opens = local_day(local_date, zone_for(zone_name))[0]
    closes = local_day(local_date + timedelta(days=1), zone_for(zone_name))[1]
    for window in ((week_start, min(opens, as_of)), (max(closes, week_start), as_of)):
        assert business_intervals(weekly, zone_name, *window, special) == business_intervals(weekly, zone_name, *window)
    # the intervals of D - 1 and D + 1 stay, reaching into D or not; D's special intervals are there
    neighbours = [
        *intervals_opening_on(local_date - timedelta(days=1), weekly, zone_name),
        *intervals_opening_on(local_date + timedelta(days=1), weekly, zone_name),
    ]
    zone = zone_for(zone_name)
    specials = [
        (local_to_utc(start, zone), local_to_utc(end, zone))
        for start, end in (local_interval(row, local_date) for row in special if not row.closed)
    ]
    for interval in [*neighbours, *specials]:
        clipped = clip(interval, week_start, as_of)
        if clipped is not None:
            assert covered(clipped, with_special)


# --- properties of outages (rule 11) and days (rule 12) -----------------------------------------------


def inactive_spans(store_polls: list[Poll], window_start: datetime, window_end: datetime) -> list[Interval]:
    segments = status_segments(status_per_instant(store_polls), window_start, window_end)
    return merge_intervals((start, end) for start, end, status in segments if status == INACTIVE)


@FEWER_EXAMPLES
@given(scenarios_with_special())
def test_outages_are_the_maximal_inactive_business_spans_of_the_week(scenario) -> None:
    polls, hours, zones, as_of, special = scenario
    report = compute_report(polls, hours, zones, as_of, special=special)
    week_start = as_of - LAST_WEEK
    for store_id, spans in outages(polls, hours, zones, as_of, special=special).items():
        assert total_length(spans) == report[store_id].downtime_last_week
        business = business_intervals(
            of_store(hours, store_id), zones.get(store_id), week_start, as_of, of_store(special, store_id)
        )
        inactive = inactive_spans([poll for poll in of_store(polls, store_id) if poll.ts <= as_of], week_start, as_of)
        for span in spans:
            assert week_start <= span[0] < span[1] <= as_of
            assert covered(span, business) and covered(span, inactive)
        for (_, end), (start, _) in zip(spans, spans[1:]):
            assert end < start  # sorted, and never touching: each is maximal


@FEWER_EXAMPLES
@given(scenarios_with_special())
def test_local_days_split_the_time_up_to_now(scenario) -> None:
    polls, hours, zones, as_of, special = scenario
    # every zone's local dates of the whole week and a little more, one date wholly after now
    first, last = (as_of - LAST_WEEK).date() - timedelta(days=2), as_of.date() + timedelta(days=2)
    per_day = days(polls, hours, zones, as_of, first, last, special=special)
    dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    reported = compute_report(polls, hours, zones, as_of, special=special)
    assert set(per_day) == {(store_id, local_date) for store_id in reported for local_date in dates}
    for store_id in reported:
        zone_name, zone = zones.get(store_id), zone_for(zones.get(store_id))
        since = local_day(first, zone)[0]
        business = business_intervals(of_store(hours, store_id), zone_name, since, as_of, of_store(special, store_id))
        instants = status_per_instant(poll for poll in of_store(polls, store_id) if poll.ts <= as_of)
        figures = [per_day[(store_id, local_date)] for local_date in dates]
        assert sum((f.business for f in figures), timedelta(0)) == total_length(business)
        assert (
            sum((f.uptime for f in figures), timedelta(0)),
            sum((f.downtime for f in figures), timedelta(0)),
        ) == up_and_down(instants, business, since, as_of)
        for local_date, day_figures in zip(dates, figures):
            day_start, day_end = local_day(local_date, zone)
            assert day_end - day_start in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
            assert day_figures.uptime + day_figures.downtime == day_figures.business
            assert day_figures.business <= max(min(day_end, as_of) - day_start, timedelta(0))
        assert figures[-1] == DayFigures(timedelta(0), timedelta(0), timedelta(0))  # wholly after now


# --- an independent minute-by-minute count, for a store in UTC ------------------------------------------


def status_at(instant: datetime, polls: list[Poll]) -> str:
    """Status at an instant straight from the rules: the latest poll at or before it (inactive on a
    tie), or, before the first poll, the first poll's status (inactive on a tie)."""
    earlier = [poll for poll in polls if poll.ts <= instant]
    if earlier:
        latest = max(poll.ts for poll in earlier)
        chosen = {poll.status for poll in earlier if poll.ts == latest}
    else:
        first = min(poll.ts for poll in polls)
        chosen = {poll.status for poll in polls if poll.ts == first}
    return INACTIVE if INACTIVE in chosen else ACTIVE


def intervals_opening_in_utc(local_date: date, rows: list[HourRow], special: list[SpecialRow]) -> list[Interval]:
    """The intervals a store in UTC opens on ``local_date``, as naive wall times: those of the date's
    special rows if it has any (none for a closed row), else those of its weekday's rows, else (no
    weekly rows at all) 00:00-00:00."""
    on_date = [row for row in special if row.date_local == local_date]
    if on_date:
        return [local_interval(row, local_date) for row in on_date if row.start is not None]
    if rows:
        return [local_interval(row, local_date) for row in rows if row.day_of_week == local_date.weekday()]
    midnight = datetime.combine(local_date, time(0))
    return [(midnight, midnight + LAST_DAY)]


def open_at(instant: datetime, opening_on: dict[date, list[Interval]]) -> bool:
    """Open at a UTC instant of a store in UTC: an interval opened on that date or the day before covers it."""
    wall = instant.replace(tzinfo=None)
    dates = (wall.date(), wall.date() - timedelta(days=1))
    return any(start <= wall < end for local_date in dates for start, end in opening_on[local_date])


def runs_of_minutes(minute_starts: list[datetime]) -> list[Interval]:
    """Consecutive minutes (given by their starts, sorted) joined into spans."""
    runs: list[Interval] = []
    for start in minute_starts:
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], start + MINUTE)
        else:
            runs.append((start, start + MINUTE))
    return runs


MINUTE = timedelta(minutes=1)
MINUTE_COUNT_AS_OF = utc("2024-05-15 00:00")  # a Wednesday midnight: the week is the UTC dates 05-08 .. 05-14
MINUTE_COUNT_DAYS = (date(2024, 5, 8), date(2024, 5, 15))  # the week's dates, and one after now
whole_half_hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))
ends = st.one_of(st.just(time(23, 59, 59)), whole_half_hours)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.builds(
            lambda status, minutes: Poll("s", status, MINUTE_COUNT_AS_OF + timedelta(minutes=minutes)),
            st.sampled_from([ACTIVE, INACTIVE]),
            st.integers(-9 * 24 * 60, 60),
        ),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.builds(HourRow, st.just("s"), st.integers(0, 6), whole_half_hours, ends), max_size=4),
    st.lists(
        st.builds(
            lambda days_before, times: SpecialRow("s", date(2024, 5, 15) - timedelta(days=days_before), *times),
            st.integers(-1, 9),
            st.one_of(st.just((None, None)), st.tuples(whole_half_hours, ends)),
        ),
        max_size=4,
    ),
)
def test_matches_a_minute_by_minute_count_in_utc(
    polls: list[Poll], rows: list[HourRow], special: list[SpecialRow]
) -> None:
    as_of = MINUTE_COUNT_AS_OF
    in_range = [poll for poll in polls if poll.ts <= as_of]
    report = compute_report(polls, rows, {"s": "UTC"}, as_of, special=special)
    found_outages = outages(polls, rows, {"s": "UTC"}, as_of, special=special)
    per_day = days(polls, rows, {"s": "UTC"}, as_of, *MINUTE_COUNT_DAYS, special=special)
    if not in_range:
        assert report == found_outages == per_day == {}
        return
    # whole-minute polls and hours (23:59:59 ends at midnight): each minute is all one thing
    counts = {ACTIVE: [0, 0, 0], INACTIVE: [0, 0, 0]}
    day_counts: dict[date, dict[str, int]] = defaultdict(lambda: {ACTIVE: 0, INACTIVE: 0})
    down_in_week = []
    first_day_start = datetime.combine(MINUTE_COUNT_DAYS[0], time(0), tzinfo=UTC)
    opening_on = {
        local_date: intervals_opening_in_utc(local_date, rows, special)
        for local_date in dates_between(MINUTE_COUNT_DAYS[0] - timedelta(days=1), MINUTE_COUNT_DAYS[1])
    }
    for minute in range((as_of - first_day_start) // MINUTE):
        instant = as_of - (minute + 1) * MINUTE
        if not open_at(instant, opening_on):
            continue
        status = status_at(instant, in_range)
        day_counts[instant.date()][status] += 1
        for index, length in enumerate(WINDOWS):
            if instant >= as_of - length:
                counts[status][index] += 1
        if status == INACTIVE and instant >= as_of - LAST_WEEK:
            down_in_week.append(instant)
    expected = Figures(*(n * MINUTE for n in counts[ACTIVE]), *(n * MINUTE for n in counts[INACTIVE]))
    assert report == {"s": expected}
    assert found_outages == {"s": runs_of_minutes(sorted(down_in_week))}
    expected_days = {}
    for local_date in dates_between(*MINUTE_COUNT_DAYS):
        up, down = day_counts[local_date][ACTIVE] * MINUTE, day_counts[local_date][INACTIVE] * MINUTE
        expected_days[("s", local_date)] = DayFigures(up + down, up, down)
    assert per_day == expected_days
