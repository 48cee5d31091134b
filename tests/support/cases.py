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

The cases of rules 10-12 (:data:`EXTENSION_CASES`) may also give:

* ``special``: special-hours rows (:func:`sp`, :func:`closed`);
* ``expected_outages``: store_id -> its outages in the last week as ``(start, end)`` UTC texts
  (every reported store, ``[]`` when it has none), and ``expected_outages_csv``;
* ``days`` = ``(date_from, date_to)`` (local dates) with ``expected_days``: ``(store_id, date)``
  -> ``(business, uptime, downtime)`` in seconds for every reported store and date of the range
  (write them with :func:`day`), and ``expected_days_csv``.

They are kept apart from :data:`CASES` because only the model knows special hours, outages and
days so far; :data:`ALL_CASES` is both lists.

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

from tests.support.model import DayFigures, Figures, HourRow, Interval, Poll, SpecialRow

M = 60
H = 60 * M
D = 24 * H

Seconds = int | Decimal
Expected = tuple[Seconds, Seconds, Seconds, Seconds, Seconds, Seconds]
DayExpected = tuple[Seconds, Seconds, Seconds]


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


def day(business: Seconds, up: Seconds, down: Seconds) -> DayExpected:
    """Expected figures of one local day in seconds: business time, uptime, downtime."""
    return business, up, down


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
    special: list[SpecialRow] = field(default_factory=list)
    expected_outages: dict[str, list[tuple[str, str]]] | None = None
    expected_outages_csv: str | None = None
    days: tuple[str, str] | None = None
    expected_days: dict[tuple[str, str], DayExpected] | None = None
    expected_days_csv: str | None = None

    def expected_figures(self) -> dict[str, Figures]:
        """``expected`` as exact ``Figures`` (seconds -> timedelta)."""
        return {
            store_id: Figures(*(to_timedelta(value) for value in values))
            for store_id, values in self.expected.items()
        }

    def expected_outage_intervals(self) -> dict[str, list[Interval]]:
        """``expected_outages`` as UTC datetimes."""
        assert self.expected_outages is not None
        return {
            store_id: [(utc(start), utc(end)) for start, end in spans]
            for store_id, spans in self.expected_outages.items()
        }

    def day_range(self) -> tuple[date, date]:
        assert self.days is not None
        return date.fromisoformat(self.days[0]), date.fromisoformat(self.days[1])

    def expected_day_figures(self) -> dict[tuple[str, date], DayFigures]:
        """``expected_days`` as exact ``DayFigures``."""
        assert self.expected_days is not None
        return {
            (store_id, date.fromisoformat(local_date)): DayFigures(*(to_timedelta(value) for value in values))
            for (store_id, local_date), values in self.expected_days.items()
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

# The cases of rules 10-12. Extra dates: 2024-01-04 Thu, 2024-01-10 Wed, 2024-01-11 Thu (Denver
# is on MST, -7, all January); 2024-03-09 Sat; 2024-03-11 Mon; 2024-05-08 Wed; 2024-05-09 Thu;
# 2024-05-12 Sun; 2024-05-14 Tue; 2024-05-16 Thu; 2024-11-02 Sat; 2024-11-04 Mon.
EXTENSION_CASES: list[Case] = [
    # ---------------------------------------------------------------- special hours (rule 10)
    Case(
        name="special_closed_on_new_york_gap_day",
        polls=[
            p("ny_holiday", "active", "2024-03-01 00:00"),
            p("ny_holiday", "inactive", "2024-03-11 14:00"),
            p("ny_24x7_holiday", "active", "2024-03-01 00:00"),
            p("ny_24x7_holiday", "inactive", "2024-03-11 03:00"),  # Sunday 23:00 EDT: closed
            p("ny_24x7_holiday", "active", "2024-03-11 06:00"),  # Monday 02:00 EDT
        ],
        hours=every_day("ny_holiday", "09:00", "17:00"),
        special=[closed("ny_holiday", "2024-03-10"), closed("ny_24x7_holiday", "2024-03-10")],
        timezones={"ny_holiday": "America/New_York", "ny_24x7_holiday": "America/New_York"},
        as_of=utc("2024-03-11 15:00"),  # Monday 11:00 EDT
        store_ids=None,
        # hour [03-11 14:00, 15:00], day [03-10 15:00, 03-11 15:00], week [03-04 15:00, 03-11 15:00].
        # Sunday 03-10 (the gap day) is closed: 00:00 EST = 05:00 UTC -> Monday 00:00 EDT =
        # 03-11 04:00 UTC, 23 h.
        expected={
            # 09:00-17:00 EST = 14:00-22:00 UTC (until Saturday), EDT = 13:00-21:00 UTC (Monday).
            # week: Mon 03-04 15:00-22:00 = 7 h; Tue..Sat 5 x 8 h = 40 h; Sunday closed (it would
            #   be 13:00-21:00 UTC); Mon 03-11 13:00-15:00 = 2 h. business 49 h: down 14:00-15:00 =
            #   1 h, up 48 h.
            # day: Sunday closed; Monday 13:00-15:00: up 13:00-14:00 = 1 h, down 1 h.
            # hour: 14:00-15:00 down.
            "ny_holiday": fig(up=(0, H, 48 * H), down=(H, H, H)),
            # open 24/7 but for Sunday's 23 h: week 168 h - 23 h = 145 h: down 03-11 04:00 (Monday
            #   00:00 EDT, opening) -> 06:00 = 2 h (the 03:00 poll falls while closed), up 143 h.
            # day: 03-10 15:00 -> 03-11 04:00 closed; 04:00-15:00 = 11 h: down 2 h, up 9 h.
            # hour: up.
            "ny_24x7_holiday": fig(up=(H, 9 * H, 143 * H), down=(0, 2 * H, 2 * H)),
        },
        expected_outages={
            "ny_holiday": [("2024-03-11 14:00", "2024-03-11 15:00")],
            "ny_24x7_holiday": [("2024-03-11 04:00", "2024-03-11 06:00")],
        },
        days=("2024-03-09", "2024-03-12"),
        expected_days={
            # local days: 03-09 [03-09 05:00, 03-10 05:00) UTC, 24 h; 03-10 [03-10 05:00,
            # 03-11 04:00), 23 h; 03-11 [03-11 04:00, 03-12 04:00) cut at now 15:00; 03-12 starts
            # 03-12 04:00, after now: zeros.
            # ny_holiday: Saturday 14:00-22:00 UTC up; Sunday closed; Monday 13:00-15:00 as the day.
            ("ny_holiday", "2024-03-09"): day(8 * H, 8 * H, 0),
            ("ny_holiday", "2024-03-10"): day(0, 0, 0),
            ("ny_holiday", "2024-03-11"): day(2 * H, H, H),
            ("ny_holiday", "2024-03-12"): day(0, 0, 0),
            # ny_24x7_holiday: Saturday 24 h up; Sunday closed; Monday 04:00-15:00 = 11 h:
            # down 04:00-06:00 = 2 h, up 9 h.
            ("ny_24x7_holiday", "2024-03-09"): day(D, D, 0),
            ("ny_24x7_holiday", "2024-03-10"): day(0, 0, 0),
            ("ny_24x7_holiday", "2024-03-11"): day(11 * H, 9 * H, 2 * H),
            ("ny_24x7_holiday", "2024-03-12"): day(0, 0, 0),
        },
    ),
    Case(
        name="special_hours_past_midnight_and_to_midnight",
        polls=[
            p("den_late", "active", "2024-01-01 00:00"),
            p("den_late", "inactive", "2024-01-11 05:00"),  # Wednesday 22:00 MST
            p("den_late", "active", "2024-01-11 16:30"),  # Thursday 09:30 MST
            p("den_to_midnight", "active", "2024-01-01 00:00"),
        ],
        hours=[*every_day("den_late", "09:00", "17:00"), h("den_to_midnight", 2, "10:00", "14:00")],
        special=[
            sp("den_late", "2024-01-10", "20:00", "02:00"),  # Wednesday 20:00 -> Thursday 02:00
            sp("den_to_midnight", "2024-01-10", "18:00", "23:59:59"),  # 23:59:59 is midnight
        ],
        timezones={"den_late": "America/Denver", "den_to_midnight": "America/Denver"},
        as_of=utc("2024-01-11 17:00"),  # Thursday 10:00 MST
        store_ids=None,
        # hour [01-11 16:00, 17:00], day [01-10 17:00, 01-11 17:00], week [01-04 17:00, 01-11 17:00].
        expected={
            # weekly 09:00-17:00 MST = 16:00-24:00 UTC of the same date; Wednesday 01-10's is
            # replaced by 20:00 MST = 01-11 03:00 UTC -> Thursday 02:00 MST = 01-11 09:00 UTC (6 h).
            # week: Thu 01-04 17:00-24:00 = 7 h; Fri 01-05 .. Tue 01-09 5 x 8 h = 40 h; the special
            #   6 h; Thu 01-11 16:00-17:00 = 1 h. business 54 h.
            #   down 01-11 05:00-09:00 = 4 h (closes at 09:00 still down) and 16:00-16:30 = 30 min
            #   (opens down): 4.5 h; up 54 h - 4.5 h = 49.5 h.
            # day: special 03:00-09:00 + Thursday 16:00-17:00 = 7 h (not Wednesday's weekly
            #   16:00-24:00 UTC): down 4.5 h, up 03:00-05:00 + 16:30-17:00 = 2.5 h.
            # hour: down 16:00-16:30, up 16:30-17:00.
            "den_late": fig(
                up=(30 * M, 2 * H + 30 * M, 49 * H + 30 * M), down=(30 * M, 4 * H + 30 * M, 4 * H + 30 * M)
            ),
            # Wednesdays only; 01-10's special 18:00 MST = 01-11 01:00 UTC -> midnight MST =
            # 01-11 07:00 UTC: 6 h up (a 23:59:59 read literally would give 5:59:59). Wednesday
            # 01-03 10:00-14:00 MST = 17:00-21:00 UTC ends before the week.
            "den_to_midnight": fig(up=(0, 6 * H, 6 * H), down=(0, 0, 0)),
        },
        expected_outages={
            "den_late": [("2024-01-11 05:00", "2024-01-11 09:00"), ("2024-01-11 16:00", "2024-01-11 16:30")],
            "den_to_midnight": [],
        },
        # 4 h = 240 min, 30 min
        expected_outages_csv=(
            "store_id,start_utc,end_utc,minutes\n"
            "den_late,2024-01-11T05:00:00.000000Z,2024-01-11T09:00:00.000000Z,240.00\n"
            "den_late,2024-01-11T16:00:00.000000Z,2024-01-11T16:30:00.000000Z,30.00\n"
        ),
        days=("2024-01-10", "2024-01-11"),
        expected_days={
            # local days: 01-10 = [01-10 07:00, 01-11 07:00) UTC; 01-11 = [01-11 07:00, 17:00] (cut).
            # den_late 01-10: the special's part 01-11 03:00-07:00 = 4 h: up 03:00-05:00, down
            #   05:00-07:00. 01-11: the special's rest 07:00-09:00 (it opened on 01-10 but lies in
            #   this day) + 16:00-17:00 = 3 h: down 2 h + 30 min, up 16:30-17:00.
            ("den_late", "2024-01-10"): day(4 * H, 2 * H, 2 * H),
            ("den_late", "2024-01-11"): day(3 * H, 30 * M, 2 * H + 30 * M),
            # den_to_midnight 01-10: 01-11 01:00-07:00 = 6 h up; Thursday has no rows.
            ("den_to_midnight", "2024-01-10"): day(6 * H, 6 * H, 0),
            ("den_to_midnight", "2024-01-11"): day(0, 0, 0),
        },
    ),
    Case(
        name="closed_date_after_overnight_interval",
        polls=[
            p("kol_night", "active", "2024-05-01 00:00"),
            p("kol_night", "inactive", "2024-05-14 23:00"),  # Wednesday 04:30 IST, Tuesday's night
            p("kol_night", "active", "2024-05-16 18:00"),  # Thursday 23:30 IST
        ],
        hours=every_day("kol_night", "22:00", "06:00"),
        special=[closed("kol_night", "2024-05-15")],  # Wednesday
        timezones={"kol_night": "Asia/Kolkata"},
        as_of=utc("2024-05-16 20:00"),  # Friday 01:30 IST
        store_ids=None,
        # IST = UTC+05:30: the night opening on local date N is N 16:30 UTC -> N+1 00:30 UTC (8 h).
        # hour [05-16 19:00, 20:00], day [05-15 20:00, 05-16 20:00], week [05-09 20:00, 05-16 20:00].
        expected={
            # week: night of 05-09 20:00 -> 05-10 00:30 = 4.5 h; nights of 05-10 .. 05-13 4 x 8 h =
            #   32 h; night of Tue 05-14 -> Wed 05-15 00:30 UTC (06:00 IST) still counts = 8 h;
            #   Wednesday 05-15's night does not open; Thursday 05-16 16:30-20:00 = 3.5 h. 48 h.
            #   down 05-14 23:00 -> 05-15 00:30 = 1.5 h and 05-16 16:30 -> 18:00 = 1.5 h: 3 h;
            #   up 45 h.
            # day: Thursday 16:30-20:00 = 3.5 h: down 1.5 h, up 18:00-20:00 = 2 h.
            # hour: up.
            "kol_night": fig(up=(H, 2 * H, 45 * H), down=(0, H + 30 * M, 3 * H)),
        },
        expected_outages={
            "kol_night": [("2024-05-14 23:00", "2024-05-15 00:30"), ("2024-05-16 16:30", "2024-05-16 18:00")],
        },
        days=("2024-05-14", "2024-05-16"),
        expected_days={
            # local day N = [N-1 18:30, N 18:30) UTC.
            # 05-14: night of 05-13 from 18:30 to 00:30 = 6 h + night of 05-14 16:30-18:30 = 2 h,
            #   all up (down from 23:00 only).
            # 05-15 (closed): the night of 05-14 from 18:30 to 00:30 = 6 h still counts: up
            #   18:30-23:00 = 4.5 h, down 23:00-00:30 = 1.5 h.
            # 05-16: nothing from the closed 05-15; night of 05-16 16:30-18:30 = 2 h: down 1.5 h,
            #   up 18:00-18:30.
            ("kol_night", "2024-05-14"): day(8 * H, 8 * H, 0),
            ("kol_night", "2024-05-15"): day(6 * H, 4 * H + 30 * M, H + 30 * M),
            ("kol_night", "2024-05-16"): day(2 * H, 30 * M, H + 30 * M),
        },
    ),
    Case(
        name="always_open_store_closed_one_day",
        polls=[
            p("ldn_247", "active", "2024-05-01 00:00"),
            p("ldn_247", "inactive", "2024-05-12 22:00"),  # Sunday 23:00 BST
            p("ldn_247", "active", "2024-05-14 01:00"),  # Tuesday 02:00 BST
            p("ldn_247_short", "active", "2024-05-01 00:00"),
        ],
        hours=[],
        special=[closed("ldn_247", "2024-05-13"), sp("ldn_247_short", "2024-05-13", "10:00", "14:00")],
        timezones={"ldn_247": "Europe/London", "ldn_247_short": "Europe/London"},
        as_of=utc("2024-05-15 12:00"),
        store_ids=None,
        # BST = UTC+1: Monday 05-13 is [05-12 23:00, 05-13 23:00) UTC.
        # hour [05-15 11:00, 12:00], day [05-14 12:00, 05-15 12:00], week [05-08 12:00, 05-15 12:00].
        expected={
            # no weekly rows: open 00:00-00:00 every date but Monday. week 168 h - 24 h = 144 h:
            #   down 05-12 22:00-23:00 = 1 h (closes down) and 05-13 23:00 -> 05-14 01:00 = 2 h
            #   (opens down): 3 h; up 141 h. day and hour: open, up.
            "ldn_247": fig(up=(H, D, 141 * H), down=(0, 0, 3 * H)),
            # Monday only 10:00-14:00 BST = 09:00-13:00 UTC: week 168 h - 24 h + 4 h = 148 h, up.
            "ldn_247_short": fig(up=(H, D, 148 * H), down=(0, 0, 0)),
        },
        expected_outages={
            "ldn_247": [("2024-05-12 22:00", "2024-05-12 23:00"), ("2024-05-13 23:00", "2024-05-14 01:00")],
            "ldn_247_short": [],
        },
        days=("2024-05-12", "2024-05-14"),
        expected_days={
            # 05-12 = [05-11 23:00, 05-12 23:00) UTC: down 22:00-23:00. 05-13 closed.
            # 05-14 = [05-13 23:00, 05-14 23:00): down 23:00-01:00 = 2 h.
            ("ldn_247", "2024-05-12"): day(D, 23 * H, H),
            ("ldn_247", "2024-05-13"): day(0, 0, 0),
            ("ldn_247", "2024-05-14"): day(D, 22 * H, 2 * H),
            ("ldn_247_short", "2024-05-12"): day(D, D, 0),
            ("ldn_247_short", "2024-05-13"): day(4 * H, 4 * H, 0),
            ("ldn_247_short", "2024-05-14"): day(D, D, 0),
        },
    ),
    # ---------------------------------------------------------------- outages (rule 11)
    Case(
        name="outages_split_clipped_and_rounded",
        polls=[
            p("split", "active", "2024-05-01 00:00"),
            p("split", "inactive", "2024-05-13 15:00"),  # Monday
            p("split", "inactive", "2024-05-13 16:00"),  # still down: one outage goes on
            p("split", "active", "2024-05-14 10:00"),  # Tuesday
            p("B_down_since_before_week", "inactive", "2024-05-01 00:00"),
            p("B_down_since_before_week", "active", "2024-05-10 06:00"),
            p("half_minutes", "active", "2024-05-01 00:00"),
            p("half_minutes", "inactive", "2024-05-15 11:00:00"),
            p("half_minutes", "active", "2024-05-15 11:00:07.5"),
            p("half_minutes", "inactive", "2024-05-15 11:30:00"),
            p("half_minutes", "active", "2024-05-15 11:30:00.3"),
            p("half_minutes", "inactive", "2024-05-15 11:57:19.5"),
        ],
        hours=[h("split", weekday, "09:00", "17:00") for weekday in range(5)],
        timezones={"split": "UTC"},
        as_of=utc("2024-05-15 12:00"),  # Wednesday
        store_ids=None,
        # hour [05-15 11:00, 12:00], day [05-14 12:00, 05-15 12:00], week [05-08 12:00, 05-15 12:00].
        expected={
            # week: Wed 05-08 12:00-17:00 = 5 h; Thu, Fri 16 h; Mon 8 h; Tue 8 h; Wed 05-15
            #   09:00-12:00 = 3 h: 40 h. down Mon 15:00-17:00 = 2 h (cut by closing; the 16:00 poll
            #   repeats the status, so it is one outage) and Tue
            #   09:00-10:00 = 1 h (resumed at opening): 3 h; up 37 h.
            # day: Tue 12:00-17:00 + Wed 09:00-12:00 = 8 h up. hour: up.
            "split": fig(up=(H, 8 * H, 37 * H), down=(0, 0, 3 * H)),
            # 24/7, down since before the week: 05-08 12:00 -> 05-10 06:00 = 42 h; up 168 - 42 = 126 h.
            "B_down_since_before_week": fig(up=(H, D, 126 * H), down=(0, 0, 42 * H)),
            # 24/7: down 7.5 s + 0.3 s + (11:57:19.5 -> 12:00 = 160.5 s) = 168.3 s, all in the hour.
            # up: 3600 - 168.3 = 3431.7; 86400 - 168.3 = 86231.7; 604800 - 168.3 = 604631.7.
            "half_minutes": fig(
                up=(Decimal("3431.7"), Decimal("86231.7"), Decimal("604631.7")),
                down=(Decimal("168.3"), Decimal("168.3"), Decimal("168.3")),
            ),
        },
        # B_...: 60 min; 24 h; 126 h; 0; 0; 42 h.
        # half_minutes: 3431.7 s = 57.195 min -> 57.20; 86231.7 s = 23.95325 h -> 23.95;
        #   604631.7 s = 167.95325 h -> 167.95; 168.3 s = 2.805 min -> 2.81; 168.3 s = 0.04675 h -> 0.05.
        # split: 60 min; 8 h; 37 h; 0; 0; 3 h.
        # "B_..." sorts first: 'B' (0x42) is before 'h' (0x68) in code-point order.
        expected_csv=(
            "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
            "downtime_last_hour,downtime_last_day,downtime_last_week\n"
            "B_down_since_before_week,60.00,24.00,126.00,0.00,0.00,42.00\n"
            "half_minutes,57.20,23.95,167.95,2.81,0.05,0.05\n"
            "split,60.00,8.00,37.00,0.00,0.00,3.00\n"
        ),
        expected_outages={
            "split": [("2024-05-13 15:00", "2024-05-13 17:00"), ("2024-05-14 09:00", "2024-05-14 10:00")],
            # starts before the week: clipped at its start
            "B_down_since_before_week": [("2024-05-08 12:00", "2024-05-10 06:00")],
            "half_minutes": [
                ("2024-05-15 11:00:00", "2024-05-15 11:00:07.5"),
                ("2024-05-15 11:30:00", "2024-05-15 11:30:00.3"),
                ("2024-05-15 11:57:19.5", "2024-05-15 12:00"),
            ],
        },
        # 42 h = 2520 min; 7.5 s = 0.125 min -> 0.13; 0.3 s = 0.005 min -> 0.01;
        # 160.5 s = 2.675 min -> 2.68 (all three exact halves, rounded up); 2 h = 120 min; 1 h = 60 min.
        expected_outages_csv=(
            "store_id,start_utc,end_utc,minutes\n"
            "B_down_since_before_week,2024-05-08T12:00:00.000000Z,2024-05-10T06:00:00.000000Z,2520.00\n"
            "half_minutes,2024-05-15T11:00:00.000000Z,2024-05-15T11:00:07.500000Z,0.13\n"
            "half_minutes,2024-05-15T11:30:00.000000Z,2024-05-15T11:30:00.300000Z,0.01\n"
            "half_minutes,2024-05-15T11:57:19.500000Z,2024-05-15T12:00:00.000000Z,2.68\n"
            "split,2024-05-13T15:00:00.000000Z,2024-05-13T17:00:00.000000Z,120.00\n"
            "split,2024-05-14T09:00:00.000000Z,2024-05-14T10:00:00.000000Z,60.00\n"
        ),
    ),
    # ---------------------------------------------------------------- days in local time (rule 12)
    Case(
        name="days_new_york_23_hour_day",
        polls=[p("ny_247", "active", "2024-03-01 00:00"), p("ny_247", "inactive", "2024-03-10 20:00")],
        hours=[],
        timezones={"ny_247": "America/New_York"},
        as_of=utc("2024-03-11 12:00"),  # Monday 08:00 EDT
        store_ids=None,
        expected={
            # 24/7: down 03-10 20:00 -> 03-11 12:00 = 16 h in day and week. hour: down.
            # day: up 12:00-20:00 = 8 h. week: up 168 - 16 = 152 h.
            "ny_247": fig(up=(0, 8 * H, 152 * H), down=(H, 16 * H, 16 * H)),
        },
        expected_outages={"ny_247": [("2024-03-10 20:00", "2024-03-11 12:00")]},
        days=("2024-03-09", "2024-03-11"),
        expected_days={
            # 03-09 = [03-09 05:00, 03-10 05:00) UTC: 24 h up.
            # 03-10 = [03-10 05:00 (00:00 EST), 03-11 04:00 (00:00 EDT)): 23 h: up 05:00-20:00 =
            #   15 h, down 20:00-04:00 = 8 h.
            # 03-11 = [03-11 04:00, 03-12 04:00) cut at now 12:00: 8 h down.
            ("ny_247", "2024-03-09"): day(D, D, 0),
            ("ny_247", "2024-03-10"): day(23 * H, 15 * H, 8 * H),
            ("ny_247", "2024-03-11"): day(8 * H, 0, 8 * H),
        },
        expected_days_csv=(
            "store_id,date_local,business_hours,uptime_hours,downtime_hours\n"
            "ny_247,2024-03-09,24.00,24.00,0.00\n"
            "ny_247,2024-03-10,23.00,15.00,8.00\n"
            "ny_247,2024-03-11,8.00,0.00,8.00\n"
        ),
    ),
    Case(
        name="days_new_york_25_hour_day_and_rounding_halves",
        polls=[
            p("ny_247", "active", "2024-11-01 00:00"),
            p("ny_247", "inactive", "2024-11-03 23:00"),  # Sunday 18:00 EST
            p("ny_rounding", "active", "2024-11-01 00:00"),
            p("ny_rounding", "inactive", "2024-11-02 10:00:00"),
            p("ny_rounding", "active", "2024-11-02 12:40:30"),
            p("ny_rounding", "inactive", "2024-11-03 10:00:00"),
            p("ny_rounding", "active", "2024-11-03 10:07:30"),
            p("ny_rounding", "inactive", "2024-11-04 11:59:42"),
        ],
        hours=[],
        timezones={"ny_247": "America/New_York", "ny_rounding": "America/New_York"},
        as_of=utc("2024-11-04 12:00"),  # Monday 07:00 EST
        store_ids=None,
        # hour [11-04 11:00, 12:00], day [11-03 12:00, 11-04 12:00], week [10-28 12:00, 11-04 12:00].
        expected={
            # 24/7: down 11-03 23:00 -> 11-04 12:00 = 13 h. day: up 12:00-23:00 = 11 h.
            # week: up 168 - 13 = 155 h. hour: down.
            "ny_247": fig(up=(0, 11 * H, 155 * H), down=(H, 13 * H, 13 * H)),
            # 24/7: down 9630 s (11-02 10:00 -> 12:40:30 = 2 h 40 min 30 s) + 450 s (11-03 10:00 ->
            #   10:07:30) + 18 s (11-04 11:59:42 -> 12:00) = 10098 s in the week.
            # hour and day: only the 18 s: up 3582 s, 86382 s. week: up 604800 - 10098 = 594702 s.
            "ny_rounding": fig(up=(3582, 86382, 594702), down=(18, 18, 10098)),
        },
        expected_outages={
            "ny_247": [("2024-11-03 23:00", "2024-11-04 12:00")],
            "ny_rounding": [
                ("2024-11-02 10:00", "2024-11-02 12:40:30"),
                ("2024-11-03 10:00", "2024-11-03 10:07:30"),
                ("2024-11-04 11:59:42", "2024-11-04 12:00"),
            ],
        },
        days=("2024-11-02", "2024-11-04"),
        expected_days={
            # 11-02 = [11-02 04:00 (00:00 EDT), 11-03 04:00) UTC, 24 h.
            # 11-03 = [11-03 04:00, 11-04 05:00 (00:00 EST)), 25 h.
            # 11-04 = [11-04 05:00, 11-05 05:00) cut at now 12:00: 7 h.
            # ny_247: 11-02 up; 11-03 up 04:00-23:00 = 19 h, down 23:00-05:00 = 6 h; 11-04 down.
            ("ny_247", "2024-11-02"): day(D, D, 0),
            ("ny_247", "2024-11-03"): day(25 * H, 19 * H, 6 * H),
            ("ny_247", "2024-11-04"): day(7 * H, 0, 7 * H),
            # ny_rounding: 11-02 down 9630 s, up 86400 - 9630 = 76770 s; 11-03 down 450 s, up
            # 90000 - 450 = 89550 s; 11-04 down 18 s, up 25200 - 18 = 25182 s.
            ("ny_rounding", "2024-11-02"): day(D, 76770, 9630),
            ("ny_rounding", "2024-11-03"): day(25 * H, 89550, 450),
            ("ny_rounding", "2024-11-04"): day(7 * H, 25182, 18),
        },
        # ny_rounding in hours, every one an exact half rounded up: 76770 s = 21.325 -> 21.33;
        # 9630 s = 2.675 -> 2.68; 89550 s = 24.875 -> 24.88; 450 s = 0.125 -> 0.13;
        # 25182 s = 6.995 -> 7.00; 18 s = 0.005 -> 0.01.
        expected_days_csv=(
            "store_id,date_local,business_hours,uptime_hours,downtime_hours\n"
            "ny_247,2024-11-02,24.00,24.00,0.00\n"
            "ny_247,2024-11-03,25.00,19.00,6.00\n"
            "ny_247,2024-11-04,7.00,0.00,7.00\n"
            "ny_rounding,2024-11-02,24.00,21.33,2.68\n"
            "ny_rounding,2024-11-03,25.00,24.88,0.13\n"
            "ny_rounding,2024-11-04,7.00,7.00,0.01\n"
        ),
    ),
]

ALL_CASES: list[Case] = CASES + EXTENSION_CASES

CASES_BY_NAME: dict[str, Case] = {case.name: case for case in ALL_CASES}
assert len(CASES_BY_NAME) == len(ALL_CASES), "case names must be unique"
