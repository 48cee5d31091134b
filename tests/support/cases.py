"""Hand-computed report cases, kept as data so the model tests and the SQL tests share them.

Each :class:`Case` holds the input rows, ``now`` (``as_of``), an optional store filter and the
expected figures, computed BY HAND (the arithmetic is in the comment beside each store) and
never by running the model.

``expected`` maps store_id -> the six exact figures, in **seconds**, in CSV column order::

    (uptime_last_hour, uptime_last_day, uptime_last_week,
     downtime_last_hour, downtime_last_day, downtime_last_week)

Each value is an ``int``, or a ``Decimal`` where a poll falls off the whole second. Write them
with :func:`fig` (``fig(up=(hour, day, week), down=(hour, day, week))``) and the constants
``M``, ``H``, ``D`` (a minute, an hour, a day in seconds). A store missing from ``expected``
must not be reported. :meth:`Case.expected_figures` gives the same as ``model.Figures``.

``expected_csv`` (only on some cases) is the exact report CSV, pinning rounding and format.

Dates used (weekday, Monday = 0): 2024-01-08 Mon; 2024-03-05 Tue; 2024-03-10 Sun (New York
springs forward 02:00 EST -> 03:00 EDT); 2024-03-31 Sun (London 01:00 GMT -> 02:00 BST);
2024-04-07 Sun (Sydney falls back 03:00 AEDT(+11) -> 02:00 AEST(+10)); 2024-05-13 Mon,
2024-05-15 Wed; 2024-10-06 Sun (Sydney springs forward 02:00 AEST -> 03:00 AEDT); 2024-10-27 Sun
(London falls back 02:00 BST -> 01:00 GMT); 2024-11-03 Sun (New York falls back 02:00 EDT ->
01:00 EST). In these hand computations the windows are: hour [now-1h, now], day [now-24h, now],
week [now-7d, now].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from tests.support.model import Figures, HourRow, Poll, SpecialRow

M = 60
H = 60 * M
D = 24 * H

Seconds = int | Decimal
Expected = tuple[Seconds, Seconds, Seconds, Seconds, Seconds, Seconds]


def utc(text: str) -> datetime:
    """``"2024-03-10 10:05"`` (seconds and a fraction optional) as a tz-aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def p(store_id: str, status: str, ts: str) -> Poll:
    """A poll: ``p("s1", "active", "2024-03-10 10:05")`` (``ts`` in UTC)."""
    return Poll(store_id, status, utc(ts))


def h(store_id: str, day_of_week: int, start: str, end: str) -> HourRow:
    """An hours row: ``h("s1", 6, "01:00", "04:00")`` (local wall times, Monday = 0)."""
    return HourRow(store_id, day_of_week, time.fromisoformat(start), time.fromisoformat(end))


def sp(store_id: str, date_local: str, start: str, end: str) -> SpecialRow:
    """A special-hours row: ``sp("s1", "2024-03-10", "20:00", "02:00")`` (local date and wall times)."""
    return SpecialRow(store_id, date.fromisoformat(date_local), time.fromisoformat(start), time.fromisoformat(end))


def closed(store_id: str, date_local: str) -> SpecialRow:
    """A special row closing the store on a local date: ``closed("s1", "2024-03-10")``."""
    return SpecialRow(store_id, date.fromisoformat(date_local), None, None)


def every_day(store_id: str, start: str, end: str) -> list[HourRow]:
    """The same hours row on all seven weekdays."""
    return [h(store_id, day, start, end) for day in range(7)]


def fig(up: tuple[Seconds, Seconds, Seconds], down: tuple[Seconds, Seconds, Seconds]) -> Expected:
    """Expected figures in seconds: ``up`` and ``down`` are (last hour, last day, last week)."""
    return (*up, *down)


def to_timedelta(seconds: Seconds) -> timedelta:
    """Exact conversion of whole or decimal seconds (microsecond resolution)."""
    microseconds = Decimal(seconds) * 1_000_000
    if microseconds != microseconds.to_integral_value():
        raise ValueError(f"{seconds} s is finer than a microsecond")
    return timedelta(microseconds=int(microseconds))


@dataclass(frozen=True)
class Case:
    name: str
    polls: list[Poll]
    hours: list[HourRow]
    timezones: dict[str, str]
    as_of: datetime
    store_ids: list[str] | None
    expected: dict[str, Expected]
    expected_csv: str | None = field(default=None)

    def expected_figures(self) -> dict[str, Figures]:
        """``expected`` as exact ``Figures`` (seconds -> timedelta)."""
        return {
            store_id: Figures(*(to_timedelta(value) for value in values))
            for store_id, values in self.expected.items()
        }


CASES: list[Case] = [
    # ---------------------------------------------------------------- the spec's worked examples
    Case(
        name="spec_24x7_last_hour",
        polls=[p("s1", "active", "2024-03-05 10:05"), p("s1", "inactive", "2024-03-05 11:10")],
        hours=[],
        timezones={},
        as_of=utc("2024-03-05 12:00"),
        store_ids=None,
        expected={
            # no hours: open 24/7. up until 11:10 (before 10:05 the first status, active, is
            # carried back), down 11:10-12:00 = 50 min in every window.
            # hour [11:00,12:00]: up 11:00-11:10 = 10 min.
            # day [03-04 12:00, 03-05 12:00]: up 24 h - 50 min.  week: up 7 d - 50 min.
            "s1": fig(up=(10 * M, D - 50 * M, 7 * D - 50 * M), down=(50 * M, 50 * M, 50 * M)),
        },
        # 10 min; 23 h 10 min = 23.1666.. h; 167 h 10 min = 167.1666.. h; 50 min; 50 min = 0.8333.. h
        expected_csv=(
            "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
            "downtime_last_hour,downtime_last_day,downtime_last_week\n"
            "s1,10.00,23.17,167.17,50.00,0.83,0.83\n"
        ),
    ),
    Case(
        name="spec_first_status_carried_back",
        polls=[p("s1", "inactive", "2024-03-05 11:30")],
        hours=[],
        timezones={},
        as_of=utc("2024-03-05 12:00"),
        store_ids=None,
        expected={
            # the only poll (inactive) is carried back over every window and holds until now
            "s1": fig(up=(0, 0, 0), down=(H, D, 7 * D)),
        },
    ),
    Case(
        name="spec_overnight_22_to_02",
        polls=[p("den", "active", "2024-01-09 06:00"), p("den", "inactive", "2024-01-09 08:00")],
        hours=every_day("den", "22:00", "02:00"),
        timezones={"den": "America/Denver"},  # MST = UTC-7 all January
        as_of=utc("2024-01-09 08:30"),  # Tue 01:30 MST
        store_ids=None,
        expected={
            # night of local date N: N 22:00 MST -> N+1 02:00 MST = N+1 05:00 -> 09:00 UTC (4 h).
            # hour [01-09 07:30, 08:30] lies in Monday night (01-09 05:00-09:00):
            #   up 07:30-08:00 = 30 min, down 08:00-08:30 = 30 min.
            # day [01-08 08:30, 01-09 08:30]: Sunday night (01-08 05:00-09:00) reaches in:
            #   08:30-09:00 = 30 min up (first status carried back);
            #   Monday night 01-09 05:00-08:30: up 05:00-08:00 = 3 h, down 30 min.
            #   up = 30 min + 3 h = 3.5 h, down = 30 min.
            # week [01-02 08:30, 01-09 08:30]: Monday 01-01 night (01-02 05:00-09:00) -> 30 min;
            #   nights of Tue 01-02 .. Sun 01-07 = 6 x 4 h = 24 h; Monday 01-08 night -> 3.5 h.
            #   business 28 h; down 30 min; up 27.5 h.
            "den": fig(up=(30 * M, 3 * H + 30 * M, 27 * H + 30 * M), down=(30 * M, 30 * M, 30 * M)),
        },
    ),
    Case(
        name="spec_new_york_gap_day",
        polls=[p("ny", "active", "2024-03-10 07:00"), p("ny", "inactive", "2024-03-10 07:30")],
        hours=[h("ny", 6, "01:00", "04:00")],
        timezones={"ny": "America/New_York"},
        as_of=utc("2024-03-10 12:00"),
        store_ids=None,
        expected={
            # Sunday 03-10: 01:00 EST = 06:00 UTC, 04:00 EDT = 08:00 UTC: 2 business hours.
            # up 06:00-07:30 = 1.5 h (06:00-07:00 carried back), down 07:30-08:00 = 30 min.
            # hour [11:00,12:00]: closed.  week [03-03 12:00, ..]: Sunday 03-03 01:00-04:00 EST =
            # 06:00-09:00 UTC ends before the window starts, so week = day.
            "ny": fig(up=(0, H + 30 * M, H + 30 * M), down=(0, 30 * M, 30 * M)),
        },
    ),
    # ---------------------------------------------------------------- status between polls
    Case(
        name="first_status_carried_back_then_change",
        polls=[p("s1", "inactive", "2024-05-15 10:00"), p("s1", "active", "2024-05-15 11:30")],
        hours=[],
        timezones={},
        as_of=utc("2024-05-15 12:00"),
        store_ids=None,
        expected={
            # down from every window's start (carried back before 10:00) to 11:30, up 11:30-12:00.
            # hour: down 30 min; day: down 24 h - 30 min; week: down 7 d - 30 min.
            "s1": fig(up=(30 * M, 30 * M, 30 * M), down=(30 * M, D - 30 * M, 7 * D - 30 * M)),
        },
    ),
    Case(
        name="status_held_across_week_start",
        polls=[
            p("s1", "inactive", "2024-04-20 12:00"),
            p("s1", "active", "2024-05-05 12:00"),
            p("s1", "inactive", "2024-05-12 12:00"),
            p("s1", "active", "2024-05-15 11:45"),
        ],
        hours=[],
        timezones={},
        as_of=utc("2024-05-15 12:00"),
        store_ids=None,
        expected={
            # week [05-08 12:00, 05-15 12:00] starts in the status of the 05-05 poll (active),
            # not the carried-back first status (inactive):
            #   up 05-08 12:00 -> 05-12 12:00 = 4 d; down 05-12 12:00 -> 05-15 11:45 = 3 d - 15 min;
            #   up 11:45-12:00 = 15 min.  up = 4 d + 15 min, down = 3 d - 15 min.
            # day [05-14 12:00, ..]: down 24 h - 15 min, up 15 min.
            # hour [11:00, ..]: down 45 min, up 15 min.
            "s1": fig(up=(15 * M, 15 * M, 4 * D + 15 * M), down=(45 * M, D - 15 * M, 3 * D - 15 * M)),
        },
    ),
    # ---------------------------------------------------------------- business hours shapes
    Case(
        name="end_23_59_59_means_midnight",
        polls=[p("s1", "active", "2024-05-16 23:00"), p("s1", "inactive", "2024-05-16 23:30")],
        hours=[h("s1", 2, "00:00:00", "23:59:59"), h("s1", 3, "22:00:00", "23:59:59")],
        timezones={"s1": "UTC"},
        as_of=utc("2024-05-17 12:00"),  # Friday: no rows, closed
        store_ids=None,
        expected={
            # Wed 05-15 00:00 -> 05-16 00:00 = 24 h, up (first status carried back).
            # Thu 05-16 22:00 -> 05-17 00:00 = 2 h: up 22:00-23:30 = 1.5 h, down 23:30-24:00 = 30 min.
            # Thu 05-09 22:00-24:00 ends before the week starts (05-10 12:00).
            # hour [Fri 11:00,12:00]: closed. day [05-16 12:00, ..]: Thursday night only.
            # week: up 24 h + 1.5 h = 25.5 h, down 30 min.
            "s1": fig(up=(0, H + 30 * M, 25 * H + 30 * M), down=(0, 30 * M, 30 * M)),
        },
    ),
    Case(
        name="start_equals_end_is_24_hours",
        polls=[p("s1", "active", "2024-05-14 08:00"), p("s1", "inactive", "2024-05-14 21:00")],
        hours=[h("s1", 1, "09:00", "09:00")],
        timezones={"s1": "UTC"},
        as_of=utc("2024-05-15 08:00"),  # Wednesday
        store_ids=None,
        expected={
            # Tuesday 09:00 -> Wednesday 09:00 (24 h).
            # Tue 05-07 09:00 -> 05-08 09:00 reaches into the week [05-08 08:00, ..]: 08:00-09:00 =
            #   1 h, up (carried back).
            # Tue 05-14 09:00 -> now 05-15 08:00 = 23 h: up 09:00-21:00 = 12 h, down 21:00-08:00 = 11 h.
            # hour [07:00,08:00]: down 1 h. day [05-14 08:00, ..]: up 12 h, down 11 h.
            # week: up 1 h + 12 h = 13 h, down 11 h.
            "s1": fig(up=(0, 12 * H, 13 * H), down=(H, 11 * H, 11 * H)),
        },
    ),
    Case(
        name="overlapping_and_duplicate_hour_rows",
        polls=[
            p("overlap", "active", "2024-05-13 09:30"),
            p("overlap", "inactive", "2024-05-13 12:30"),
            p("overnight", "active", "2024-05-01 00:00"),
        ],
        hours=[
            h("overlap", 0, "09:00", "12:00"),
            h("overlap", 0, "11:00", "14:00"),
            h("overlap", 0, "09:00", "12:00"),  # exact duplicate
            h("overlap", 0, "10:00", "11:00"),  # inside another row
            h("overnight", 6, "22:00", "10:00"),  # Sunday 22:00 -> Monday 10:00
            h("overnight", 0, "09:00", "12:00"),  # overlaps it 09:00-10:00
        ],
        timezones={"overlap": "UTC", "overnight": "UTC"},
        as_of=utc("2024-05-13 13:30"),  # Monday
        store_ids=None,
        expected={
            # union on Mondays: 09:00-14:00.
            # hour [12:30,13:30]: down 1 h.
            # day [05-12 13:30, ..]: 09:00-13:30: up 09:00-12:30 = 3.5 h, down 12:30-13:30 = 1 h.
            # week [05-06 13:30, ..]: Mon 05-06 09:00-14:00 -> 13:30-14:00 = 30 min up (carried back).
            #   up = 3.5 h + 30 min = 4 h, down 1 h.
            "overlap": fig(up=(0, 3 * H + 30 * M, 4 * H), down=(H, H, H)),
            # union: Sun 05-12 22:00 -> Mon 05-13 12:00 = 14 h (09:00-10:00 counted once).
            # hour [12:30,13:30]: closed. day [05-12 13:30, ..]: 14 h.
            # week [05-06 13:30, ..]: Sun 05-05 22:00 -> Mon 05-06 12:00 ends before it: 14 h.
            "overnight": fig(up=(0, 14 * H, 14 * H), down=(0, 0, 0)),
        },
    ),
    Case(
        name="closed_days_without_rows",
        polls=[
            p("s1", "active", "2024-05-01 00:00"),
            p("s1", "inactive", "2024-05-11 12:00"),  # Saturday, closed
            p("s1", "active", "2024-05-13 09:30"),
        ],
        hours=[h("s1", day, "09:00", "17:00") for day in range(5)],
        timezones={"s1": "UTC"},
        as_of=utc("2024-05-13 10:00"),  # Monday
        store_ids=None,
        expected={
            # week [Mon 05-06 10:00, Mon 05-13 10:00]: Mon 05-06 10:00-17:00 = 7 h up;
            #   Tue..Fri 4 x 8 h = 32 h up; Sat, Sun closed (the inactive poll changes nothing there);
            #   Mon 05-13 09:00-10:00: down 09:00-09:30, up 09:30-10:00.
            #   up = 39 h + 30 min, down = 30 min.
            # day [Sun 10:00, Mon 10:00] and hour [09:00, 10:00]: only Mon 09:00-10:00.
            "s1": fig(up=(30 * M, 30 * M, 39 * H + 30 * M), down=(30 * M, 30 * M, 30 * M)),
        },
    ),
    # ---------------------------------------------------------------- DST: America/New_York
    Case(
        name="new_york_spring_forward_hours",
        polls=[
            p("ny_end_in_gap", "active", "2024-03-10 00:00"),
            p("ny_end_in_gap", "inactive", "2024-03-10 06:30"),
            p("ny_start_in_gap", "active", "2024-03-10 00:00"),
            p("ny_start_in_gap", "inactive", "2024-03-10 08:00"),
            p("ny_both_in_gap", "active", "2024-03-10 00:00"),
            p("ny_empty", "active", "2024-03-10 00:00"),
            p("ny_24x7", "active", "2024-03-01 00:00"),
        ],
        hours=[
            h("ny_end_in_gap", 6, "00:30", "02:30"),
            h("ny_start_in_gap", 6, "02:30", "05:00"),
            h("ny_both_in_gap", 6, "02:10", "02:50"),
            h("ny_empty", 6, "02:50", "03:10"),
        ],
        timezones={
            "ny_end_in_gap": "America/New_York",
            "ny_start_in_gap": "America/New_York",
            "ny_both_in_gap": "America/New_York",
            "ny_empty": "America/New_York",
            "ny_24x7": "America/New_York",
        },
        as_of=utc("2024-03-10 12:00"),  # Sunday 08:00 EDT
        store_ids=None,
        expected={
            # gap: 02:00-03:00 local does not exist; a wall time in it uses EST (-5).
            # All intervals are on Sunday 03-10 before 12:00 UTC (hour window [11:00,12:00] closed);
            # those of Sunday 03-03 end before the week starts (03-03 12:00 UTC): week = day.
            # 00:30 EST = 05:30 UTC -> 02:30 (gap, EST) = 07:30 UTC: 2 h;
            #   up 05:30-06:30 = 1 h, down 06:30-07:30 = 1 h.
            "ny_end_in_gap": fig(up=(0, H, H), down=(0, H, H)),
            # 02:30 (gap, EST) = 07:30 UTC -> 05:00 EDT = 09:00 UTC: 1.5 h;
            #   up 07:30-08:00 = 30 min, down 08:00-09:00 = 1 h.
            "ny_start_in_gap": fig(up=(0, 30 * M, 30 * M), down=(0, H, H)),
            # 02:10 -> 07:10 UTC, 02:50 -> 07:50 UTC (both EST): 40 min up.
            "ny_both_in_gap": fig(up=(0, 40 * M, 40 * M), down=(0, 0, 0)),
            # 02:50 (gap, EST) = 07:50 UTC -> 03:10 EDT = 07:10 UTC: end before start, empty.
            "ny_empty": fig(up=(0, 0, 0), down=(0, 0, 0)),
            # no rows: 24/7 in UTC terms, the short local day does not matter.
            "ny_24x7": fig(up=(H, D, 7 * D), down=(0, 0, 0)),
        },
    ),
    Case(
        name="new_york_23_hour_day",
        polls=[p("ny", "active", "2024-03-01 00:00"), p("ny", "inactive", "2024-03-10 20:00")],
        hours=[h("ny", 6, "00:00:00", "23:59:59")],
        timezones={"ny": "America/New_York"},
        as_of=utc("2024-03-11 12:00"),  # Monday 08:00 EDT
        store_ids=None,
        expected={
            # Sunday 03-10 00:00 EST = 05:00 UTC -> Monday 00:00 EDT = 03-11 04:00 UTC: 23 h.
            # Sunday 03-03 (05:00 -> 03-04 05:00 UTC) ends before the week starts (03-04 12:00).
            # hour [Mon 11:00,12:00]: closed.
            # day [03-10 12:00, ..]: 12:00 -> 04:00 = 16 h: up 12:00-20:00 = 8 h, down 20:00-04:00 = 8 h.
            # week: up 05:00-20:00 = 15 h, down 8 h (15 + 8 = 23).
            "ny": fig(up=(0, 8 * H, 15 * H), down=(0, 8 * H, 8 * H)),
        },
    ),
    Case(
        name="new_york_fall_back_hours",
        polls=[
            p("ny_start_in_fold", "active", "2024-11-03 00:00"),
            p("ny_start_in_fold", "inactive", "2024-11-03 07:00"),
            p("ny_end_in_fold", "active", "2024-11-03 00:00"),
            p("ny_both_in_fold", "active", "2024-11-03 00:00"),
            p("ny_both_in_fold", "inactive", "2024-11-03 06:00"),
        ],
        hours=[
            h("ny_start_in_fold", 6, "01:30", "03:00"),
            h("ny_end_in_fold", 6, "00:30", "01:30"),
            h("ny_both_in_fold", 6, "01:10", "01:50"),
        ],
        timezones={
            "ny_start_in_fold": "America/New_York",
            "ny_end_in_fold": "America/New_York",
            "ny_both_in_fold": "America/New_York",
        },
        as_of=utc("2024-11-03 12:00"),  # Sunday 07:00 EST
        store_ids=None,
        expected={
            # 01:00-02:00 local happens twice; a wall time in it is the later instant (EST, -5).
            # All intervals are on Sunday 11-03 before 12:00 UTC (hour window closed); Sunday
            # 10-27's end by 07:00 UTC, before the week starts (10-27 12:00): week = day.
            # 01:30 (EST) = 06:30 UTC -> 03:00 EST = 08:00 UTC: 1.5 h;
            #   up 06:30-07:00 = 30 min, down 07:00-08:00 = 1 h.
            "ny_start_in_fold": fig(up=(0, 30 * M, 30 * M), down=(0, H, H)),
            # 00:30 EDT = 04:30 UTC -> 01:30 (EST) = 06:30 UTC: 2 h up.
            "ny_end_in_fold": fig(up=(0, 2 * H, 2 * H), down=(0, 0, 0)),
            # 01:10 (EST) = 06:10 UTC -> 01:50 (EST) = 06:50 UTC: 40 min, all after the 06:00
            # inactive poll (the earlier reading, 05:10-05:50, would be up).
            "ny_both_in_fold": fig(up=(0, 0, 0), down=(0, 40 * M, 40 * M)),
        },
    ),
    Case(
        name="new_york_25_hour_day",
        polls=[p("ny", "active", "2024-11-01 00:00"), p("ny", "inactive", "2024-11-03 23:00")],
        hours=[h("ny", 6, "00:00:00", "23:59:59")],
        timezones={"ny": "America/New_York"},
        as_of=utc("2024-11-04 12:00"),  # Monday 07:00 EST
        store_ids=None,
        expected={
            # Sunday 11-03 00:00 EDT = 04:00 UTC -> Monday 00:00 EST = 11-04 05:00 UTC: 25 h.
            # Sunday 10-27 (04:00 -> 10-28 04:00 UTC) ends before the week starts (10-28 12:00).
            # hour: closed.  day [11-03 12:00, ..]: 12:00 -> 05:00 = 17 h: up 12:00-23:00 = 11 h,
            # down 23:00-05:00 = 6 h.  week: up 04:00-23:00 = 19 h, down 6 h (19 + 6 = 25).
            "ny": fig(up=(0, 11 * H, 19 * H), down=(0, 6 * H, 6 * H)),
        },
    ),
    # ---------------------------------------------------------------- DST: Europe/London
    Case(
        name="london_spring_forward_week",
        polls=[
            p("ldn_23h_day", "active", "2024-03-20 00:00"),
            p("ldn_start_in_gap", "active", "2024-03-20 00:00"),
            p("ldn_end_in_gap", "active", "2024-03-20 00:00"),
            p("ldn_end_in_gap", "inactive", "2024-03-31 01:00"),
            p("ldn_empty", "active", "2024-03-20 00:00"),
        ],
        hours=[
            h("ldn_23h_day", 6, "00:00:00", "23:59:59"),
            h("ldn_start_in_gap", 6, "01:30", "03:00"),
            h("ldn_end_in_gap", 6, "00:30", "01:30"),
            h("ldn_empty", 6, "01:45", "02:15"),
        ],
        timezones={
            "ldn_23h_day": "Europe/London",
            "ldn_start_in_gap": "Europe/London",
            "ldn_end_in_gap": "Europe/London",
            "ldn_empty": "Europe/London",
        },
        as_of=utc("2024-04-01 12:00"),  # Monday 13:00 BST
        store_ids=None,
        expected={
            # Sunday 03-31: 01:00-02:00 local does not exist; a wall time in it uses GMT (+0).
            # Monday has no rows: hour window closed. Sunday 03-24's intervals end by
            # 03-25 00:00 UTC, before the week starts (03-25 12:00). day = [03-31 12:00, ..].
            # 00:00 GMT = 03-31 00:00 UTC -> Monday 00:00 BST = 03-31 23:00 UTC: 23 h.
            #   day: 12:00 -> 23:00 = 11 h.
            "ldn_23h_day": fig(up=(0, 11 * H, 23 * H), down=(0, 0, 0)),
            # 01:30 (gap, GMT) = 01:30 UTC -> 03:00 BST = 02:00 UTC: 30 min (week only).
            "ldn_start_in_gap": fig(up=(0, 0, 30 * M), down=(0, 0, 0)),
            # 00:30 GMT = 00:30 UTC -> 01:30 (gap, GMT) = 01:30 UTC: 1 h (week only);
            #   up 00:30-01:00, down 01:00-01:30.
            "ldn_end_in_gap": fig(up=(0, 0, 30 * M), down=(0, 0, 30 * M)),
            # 01:45 (gap, GMT) = 01:45 UTC -> 02:15 BST = 01:15 UTC: empty.
            "ldn_empty": fig(up=(0, 0, 0), down=(0, 0, 0)),
        },
    ),
    Case(
        name="london_fall_back_week",
        polls=[
            p("ldn_25h_day", "active", "2024-10-20 00:00"),
            p("ldn_25h_day", "inactive", "2024-10-27 06:00"),
            p("ldn_start_in_fold", "active", "2024-10-20 00:00"),
            p("ldn_end_in_fold", "active", "2024-10-20 00:00"),
        ],
        hours=[
            h("ldn_25h_day", 6, "00:00:00", "23:59:59"),
            h("ldn_start_in_fold", 6, "01:30", "03:00"),
            h("ldn_end_in_fold", 6, "00:30", "01:30"),
        ],
        timezones={
            "ldn_25h_day": "Europe/London",
            "ldn_start_in_fold": "Europe/London",
            "ldn_end_in_fold": "Europe/London",
        },
        as_of=utc("2024-10-28 12:00"),  # Monday 12:00 GMT
        store_ids=None,
        expected={
            # Sunday 10-27: 01:00-02:00 local happens twice; a wall time in it is the later
            # instant (GMT, +0). Monday has no rows: hour window closed. Sunday 10-20's
            # intervals end by 10-20 23:00 UTC, before the week starts (10-21 12:00).
            # 00:00 BST = 10-26 23:00 UTC -> Monday 00:00 GMT = 10-28 00:00 UTC: 25 h;
            #   week: up 10-26 23:00 -> 10-27 06:00 = 7 h, down 06:00 -> 10-28 00:00 = 18 h;
            #   day [10-27 12:00, ..]: down 12:00 -> 24:00 = 12 h.
            "ldn_25h_day": fig(up=(0, 0, 7 * H), down=(0, 12 * H, 18 * H)),
            # 01:30 (GMT) = 01:30 UTC -> 03:00 GMT = 03:00 UTC: 1.5 h (week only).
            "ldn_start_in_fold": fig(up=(0, 0, H + 30 * M), down=(0, 0, 0)),
            # 00:30 BST = 10-26 23:30 UTC -> 01:30 (GMT) = 01:30 UTC: 2 h (week only).
            "ldn_end_in_fold": fig(up=(0, 0, 2 * H), down=(0, 0, 0)),
        },
    ),
    # ---------------------------------------------------------------- DST: Australia/Sydney
    Case(
        name="sydney_fall_back_week",
        polls=[
            p("syd_25h_day", "active", "2024-03-25 00:00"),
            p("syd_start_in_fold", "active", "2024-03-25 00:00"),
            p("syd_end_in_fold", "active", "2024-03-25 00:00"),
            p("syd_overnight", "active", "2024-03-25 00:00"),
            p("syd_overnight", "inactive", "2024-04-06 12:00"),
        ],
        hours=[
            h("syd_25h_day", 6, "00:00:00", "23:59:59"),
            h("syd_start_in_fold", 6, "02:30", "04:00"),
            h("syd_end_in_fold", 6, "01:30", "02:30"),
            h("syd_overnight", 5, "22:00", "04:00"),  # Saturday night into Sunday
        ],
        timezones={
            "syd_25h_day": "Australia/Sydney",
            "syd_start_in_fold": "Australia/Sydney",
            "syd_end_in_fold": "Australia/Sydney",
            "syd_overnight": "Australia/Sydney",
        },
        as_of=utc("2024-04-08 00:00"),  # Monday 10:00 AEST
        store_ids=None,
        expected={
            # Sunday 04-07: 03:00 AEDT (+11) -> 02:00 AEST (+10); 02:00-03:00 local happens twice,
            # a wall time in it is the later instant (AEST). Monday has no rows: hour closed.
            # day = [04-07 00:00, 04-08 00:00] UTC, week starts 04-01 00:00 UTC; the previous
            # weekend's intervals end by 03-31 13:00 UTC, before it.
            # 00:00 AEDT = 04-06 13:00 UTC -> Mon 00:00 AEST = 04-07 14:00 UTC: 25 h;
            #   day: 00:00 -> 14:00 = 14 h.
            "syd_25h_day": fig(up=(0, 14 * H, 25 * H), down=(0, 0, 0)),
            # 02:30 (AEST) = 04-06 16:30 UTC -> 04:00 AEST = 18:00 UTC: 1.5 h (week only).
            "syd_start_in_fold": fig(up=(0, 0, H + 30 * M), down=(0, 0, 0)),
            # 01:30 AEDT = 04-06 14:30 UTC -> 02:30 (AEST) = 16:30 UTC: 2 h (week only).
            "syd_end_in_fold": fig(up=(0, 0, 2 * H), down=(0, 0, 0)),
            # Sat 22:00 AEDT = 04-06 11:00 UTC -> Sun 04:00 AEST = 18:00 UTC: 7 h (week only);
            #   up 11:00-12:00 = 1 h, down 12:00-18:00 = 6 h.
            "syd_overnight": fig(up=(0, 0, H), down=(0, 0, 6 * H)),
        },
    ),
    Case(
        name="sydney_spring_forward_week",
        polls=[
            p("syd_23h_day", "active", "2024-09-20 00:00"),
            p("syd_23h_day", "inactive", "2024-10-06 06:00"),
            p("syd_start_in_gap", "active", "2024-09-20 00:00"),
            p("syd_end_in_gap", "active", "2024-09-20 00:00"),
            p("syd_empty", "active", "2024-09-20 00:00"),
        ],
        hours=[
            h("syd_23h_day", 6, "00:00:00", "23:59:59"),
            h("syd_start_in_gap", 6, "02:30", "04:00"),
            h("syd_end_in_gap", 6, "01:30", "02:30"),
            h("syd_empty", 6, "02:45", "03:15"),
        ],
        timezones={
            "syd_23h_day": "Australia/Sydney",
            "syd_start_in_gap": "Australia/Sydney",
            "syd_end_in_gap": "Australia/Sydney",
            "syd_empty": "Australia/Sydney",
        },
        as_of=utc("2024-10-07 00:00"),  # Monday 11:00 AEDT
        store_ids=None,
        expected={
            # Sunday 10-06: 02:00 AEST (+10) -> 03:00 AEDT (+11); 02:00-03:00 local does not
            # exist, a wall time in it uses AEST. Monday has no rows: hour closed.
            # day = [10-06 00:00, 10-07 00:00] UTC; week starts 09-30 00:00 UTC; Sunday 09-29's
            # intervals end by 09-29 14:00 UTC, before it.
            # 00:00 AEST = 10-05 14:00 UTC -> Mon 00:00 AEDT = 10-06 13:00 UTC: 23 h;
            #   day 00:00 -> 13:00 = 13 h: up 00:00-06:00 = 6 h, down 06:00-13:00 = 7 h;
            #   week: up 10-05 14:00 -> 10-06 06:00 = 16 h, down 7 h (16 + 7 = 23).
            "syd_23h_day": fig(up=(0, 6 * H, 16 * H), down=(0, 7 * H, 7 * H)),
            # 02:30 (gap, AEST) = 10-05 16:30 UTC -> 04:00 AEDT = 17:00 UTC: 30 min (week only).
            "syd_start_in_gap": fig(up=(0, 0, 30 * M), down=(0, 0, 0)),
            # 01:30 AEST = 10-05 15:30 UTC -> 02:30 (gap, AEST) = 16:30 UTC: 1 h (week only).
            "syd_end_in_gap": fig(up=(0, 0, H), down=(0, 0, 0)),
            # 02:45 (gap, AEST) = 16:45 UTC -> 03:15 AEDT = 16:15 UTC: empty.
            "syd_empty": fig(up=(0, 0, 0), down=(0, 0, 0)),
        },
    ),
    # ---------------------------------------------------------------- odd offsets, fallback zone
    Case(
        name="kolkata_and_kathmandu_offsets",
        polls=[
            p("kolkata", "active", "2024-05-15 03:00"),
            p("kolkata", "inactive", "2024-05-15 11:15"),
            p("kathmandu", "active", "2024-05-15 03:00"),
            p("kathmandu", "inactive", "2024-05-15 11:05"),
        ],
        hours=[h("kolkata", 2, "09:00", "17:00"), h("kathmandu", 2, "09:00", "17:00")],
        timezones={"kolkata": "Asia/Kolkata", "kathmandu": "Asia/Kathmandu"},
        as_of=utc("2024-05-15 12:00"),  # Wednesday
        store_ids=None,
        expected={
            # Wednesdays only; the 05-08 intervals end by 11:30 UTC, before the week starts
            # (05-08 12:00): week = day.
            # +05:30: 09:00-17:00 IST = 03:30-11:30 UTC.
            #   hour [11:00,12:00]: up 11:00-11:15 = 15 min, down 11:15-11:30 = 15 min.
            #   day: up 03:30-11:15 = 7 h 45 min, down 15 min.
            "kolkata": fig(up=(15 * M, 7 * H + 45 * M, 7 * H + 45 * M), down=(15 * M, 15 * M, 15 * M)),
            # +05:45: 09:00-17:00 NPT = 03:15-11:15 UTC.
            #   hour: up 11:00-11:05 = 5 min, down 11:05-11:15 = 10 min.
            #   day: up 03:15-11:05 = 7 h 50 min, down 10 min.
            "kathmandu": fig(up=(5 * M, 7 * H + 50 * M, 7 * H + 50 * M), down=(10 * M, 10 * M, 10 * M)),
        },
    ),
    Case(
        name="missing_or_invalid_timezone_uses_chicago",
        polls=[
            *(
                poll
                for store in ("tz_missing", "tz_invalid", "tz_chicago", "tz_denver")
                for poll in (
                    p(store, "active", "2024-05-01 00:00"),
                    p(store, "inactive", "2024-05-15 11:30"),
                )
            ),
        ],
        hours=[
            h("tz_missing", 2, "06:00", "10:00"),
            h("tz_invalid", 2, "06:00", "10:00"),
            h("tz_chicago", 2, "06:00", "10:00"),
            h("tz_denver", 2, "06:00", "10:00"),
            h("hours_only", 2, "06:00", "10:00"),  # no polls: not reported
        ],
        timezones={
            "tz_invalid": "Mars/Olympus_Mons",
            "tz_chicago": "America/Chicago",
            "tz_denver": "America/Denver",
            "hours_only": "America/Chicago",
            "tz_only": "America/New_York",  # no polls, no hours: not reported
        },
        as_of=utc("2024-05-15 12:00"),  # Wednesday 07:00 CDT
        store_ids=None,
        expected={
            # Chicago (CDT, -5): Wednesday 06:00-10:00 = 11:00-15:00 UTC.
            # hour [11:00,12:00] and day [05-14 12:00, ..]: 11:00-12:00: up 11:00-11:30, down 11:30-12:00.
            # week [05-08 12:00, ..]: Wed 05-08 11:00-15:00 -> 12:00-15:00 = 3 h up; plus 05-15 as above.
            "tz_missing": fig(up=(30 * M, 30 * M, 3 * H + 30 * M), down=(30 * M, 30 * M, 30 * M)),
            "tz_invalid": fig(up=(30 * M, 30 * M, 3 * H + 30 * M), down=(30 * M, 30 * M, 30 * M)),
            "tz_chicago": fig(up=(30 * M, 30 * M, 3 * H + 30 * M), down=(30 * M, 30 * M, 30 * M)),
            # Denver (MDT, -6): 12:00-16:00 UTC: 05-15 opens at now (nothing); 05-08 12:00-16:00
            # is all in the week, up (the 05-01 poll).
            "tz_denver": fig(up=(0, 0, 4 * H), down=(0, 0, 0)),
        },
    ),
    # ---------------------------------------------------------------- same instant, duplicates
    Case(
        name="same_instant_inactive_wins_and_duplicate_polls",
        polls=[
            p("first_instant_tie", "active", "2024-05-15 11:00"),
            p("first_instant_tie", "inactive", "2024-05-15 11:00"),
            p("first_instant_tie", "active", "2024-05-15 11:20"),
            p("first_instant_tie", "active", "2024-05-15 11:20"),  # exact duplicate
            p("later_tie", "active", "2024-05-15 10:00"),
            p("later_tie", "active", "2024-05-15 11:30"),
            p("later_tie", "inactive", "2024-05-15 11:30"),
            p("dup_only", "inactive", "2024-05-15 11:30"),
            p("dup_only", "inactive", "2024-05-15 11:30"),
            p("dup_only", "inactive", "2024-05-15 11:30"),
            p("one_microsecond_apart", "active", "2024-05-15 11:00:00"),
            p("one_microsecond_apart", "inactive", "2024-05-15 11:00:00.000001"),
        ],
        hours=[],
        timezones={},
        as_of=utc("2024-05-15 12:00"),
        store_ids=None,
        expected={
            # 11:00 is inactive (tie), also carried back; up from 11:20.
            # hour: down 11:00-11:20 = 20 min, up 40 min. day: down 24 h - 40 min. week: 7 d - 40 min.
            "first_instant_tie": fig(up=(40 * M, 40 * M, 40 * M), down=(20 * M, D - 40 * M, 7 * D - 40 * M)),
            # up until 11:30 (tie -> inactive), down 11:30-12:00.
            "later_tie": fig(up=(30 * M, D - 30 * M, 7 * D - 30 * M), down=(30 * M, 30 * M, 30 * M)),
            "dup_only": fig(up=(0, 0, 0), down=(H, D, 7 * D)),
            # not a tie: active holds 11:00:00 -> 11:00:00.000001 (and is carried back).
            # hour: up 0.000001 s, down 3600 - 0.000001; day: up 23 h + 0.000001 s (82800.000001);
            # week: up 7 d - 1 h + 0.000001 s (601200.000001).
            "one_microsecond_apart": fig(
                up=(Decimal("0.000001"), Decimal("82800.000001"), Decimal("601200.000001")),
                down=(Decimal("3599.999999"), Decimal("3599.999999"), Decimal("3599.999999")),
            ),
        },
    ),
    # ---------------------------------------------------------------- now, filters
    Case(
        name="as_of_in_the_past",
        polls=[
            p("past", "active", "2024-05-15 10:00"),
            p("past", "inactive", "2024-05-15 11:30"),
            p("past", "active", "2024-05-15 12:30"),  # after now: ignored
            p("past", "inactive", "2024-05-15 13:00"),  # after now: ignored
            p("future_only", "active", "2024-05-15 12:00:00.000001"),  # not reported
            p("future_only", "inactive", "2024-05-15 13:00"),
            p("poll_at_now", "inactive", "2024-05-15 11:00"),
            p("poll_at_now", "active", "2024-05-15 12:00"),
            p("only_poll_at_now", "active", "2024-05-15 12:00"),
        ],
        hours=[],
        timezones={},
        as_of=utc("2024-05-15 12:00"),
        store_ids=None,
        expected={
            # up until 11:30 (carried back before 10:00), down 11:30-12:00.
            "past": fig(up=(30 * M, D - 30 * M, 7 * D - 30 * M), down=(30 * M, 30 * M, 30 * M)),
            # the poll at now is reported and holds for no time; 11:00 inactive is carried back.
            "poll_at_now": fig(up=(0, 0, 0), down=(H, D, 7 * D)),
            # its only poll is at now: carried back over every window.
            "only_poll_at_now": fig(up=(H, D, 7 * D), down=(0, 0, 0)),
        },
    ),
    Case(
        name="store_filter",
        polls=[
            p("a", "active", "2024-05-15 11:00"),
            p("b", "inactive", "2024-05-15 11:00"),
            p("c", "active", "2024-05-15 11:00"),
            p("c", "inactive", "2024-05-15 11:45"),
        ],
        hours=[h("h_only", 2, "09:00", "17:00")],
        timezones={},
        as_of=utc("2024-05-15 12:00"),
        store_ids=["a", "c", "h_only", "not_a_store"],
        expected={
            "a": fig(up=(H, D, 7 * D), down=(0, 0, 0)),
            # up until 11:45, down 15 min.
            "c": fig(up=(45 * M, D - 15 * M, 7 * D - 15 * M), down=(15 * M, 15 * M, 15 * M)),
            # b: filtered out; h_only: hours only; not_a_store: unknown.
        },
    ),
    # ---------------------------------------------------------------- rounding
    Case(
        name="rounding_half_up",
        polls=[
            p("r_minutes", "inactive", "2024-05-15 11:00"),
            p("r_minutes", "active", "2024-05-15 11:59:59.7"),
            p("r_hours", "inactive", "2024-05-15 10:00"),
            p("r_hours", "active", "2024-05-15 11:59:42"),
        ],
        hours=[],
        timezones={},
        as_of=utc("2024-05-15 12:00"),
        store_ids=None,
        expected={
            # up 0.3 s; down the rest of each window.
            "r_minutes": fig(
                up=(Decimal("0.3"), Decimal("0.3"), Decimal("0.3")),
                down=(Decimal("3599.7"), Decimal("86399.7"), Decimal("604799.7")),
            ),
            # up 18 s; down the rest.
            "r_hours": fig(up=(18, 18, 18), down=(H - 18, D - 18, 7 * D - 18)),
        },
        # r_hours:   18 s = 0.30 min, 18 s = 0.005 h -> 0.01 (twice); 3582 s = 59.70 min;
        #            86382 s = 23.995 h -> 24.00; 604782 s = 167.995 h -> 168.00.
        # r_minutes: 0.3 s = 0.005 min -> 0.01; 0.3 s = 0.0000833 h -> 0.00 (twice);
        #            3599.7 s = 59.995 min -> 60.00; 86399.7 s = 23.99991.. h -> 24.00;
        #            604799.7 s = 167.99991.. h -> 168.00.
        expected_csv=(
            "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
            "downtime_last_hour,downtime_last_day,downtime_last_week\n"
            "r_hours,0.30,0.01,0.01,59.70,24.00,168.00\n"
            "r_minutes,0.01,0.00,0.00,60.00,24.00,168.00\n"
        ),
    ),
]

CASES_BY_NAME: dict[str, Case] = {case.name: case for case in CASES}
assert len(CASES_BY_NAME) == len(CASES), "case names must be unique"
