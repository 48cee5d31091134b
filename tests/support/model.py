"""Plain-Python reference model of the store uptime report.

The product computes the report in SQL; this module restates the rules of
``report-semantics.md`` (rules 1-9 and the extensions 10-12: special hours, outages,
days in local time), plus the project's decisions, as directly as possible so tests
can compare the two. It is written for clarity, not speed: every duration is exact
(``timedelta`` has microsecond resolution, like PostgreSQL's ``timestamptz``) and
nothing is approximated. It imports nothing from ``app/``.

Project decisions implemented here (beyond the spec's text):

* Polls of one store at the very same instant with different statuses: **inactive
  wins** (the instant counts as one poll with status ``inactive``), everywhere —
  including the status carried back before the store's first poll.
* A business-hours end of ``23:59:59`` is read as midnight (``24:00``) *before* the
  ``end <= start`` test, so ``23:59:59–23:59:59`` is the one second up to midnight,
  not 24 hours. The same holds for special hours.
* An interval whose converted UTC end is not after its converted UTC start (possible
  around a DST change) is empty.
* Time zones come from **pytz**'s own copy of the tz database, a second source
  independent of PostgreSQL's. A zone name is valid only when spelled exactly (letter
  case included) as in ``pytz.all_timezones_set``, as PostgreSQL's ``pg_timezone_names``
  match; anything else is ``America/Chicago``. A wall time converts to the later of its
  two readings (offset before and after a change), which is PostgreSQL's rule: the
  offset before a spring-forward gap, the later instant of a repeated hour — whatever
  the zone flags as DST (``Europe/Dublin`` flags its winter offset).
* Special hours (rule 10): a row has both times or neither (closed); one time alone is
  refused. On a date with rows, a closed row next to rows with hours adds nothing.
* The CSV uses ``\\n`` line endings, ends with a newline, and sorts rows by the plain
  code-point order of ``store_id`` (PostgreSQL's ``COLLATE "C"``). So do the two below.
* Outages (rule 11): every reported store maps to its outages, ``[]`` if none. CSV
  header ``store_id,start_utc,end_utc,minutes``, rows by store_id then start; instants
  written ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC, always six fraction digits); ``minutes``
  is the exact length in minutes, 2 decimals, halves up. ``min_minutes`` keeps the
  outages whose exact length is at least that many minutes, read as the decimal
  written (``0.1`` is 6 s exactly); ``store_id`` keeps one store's.
* Days (rule 12): every reported store gets every date of ``[date_from, date_to]``
  (both included), each a local date of the store's own zone; a date wholly after now
  has zeros. CSV header ``store_id,date_local,business_hours,uptime_hours,downtime_hours``,
  rows by store_id then date (``YYYY-MM-DD``), hours with 2 decimals, halves up.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import pytz

DEFAULT_TIMEZONE = "America/Chicago"
ACTIVE = "active"
INACTIVE = "inactive"
END_OF_DAY_MARK = time(23, 59, 59)
ALL_DAY = (time(0), time(0))  # a 24/7 store's interval on each date (rule 10)

LAST_HOUR = timedelta(hours=1)
LAST_DAY = timedelta(days=1)
LAST_WEEK = timedelta(days=7)

CSV_HEADER = (
    "store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
    "downtime_last_hour,downtime_last_day,downtime_last_week"
)
OUTAGES_CSV_HEADER = "store_id,start_utc,end_utc,minutes"
DAYS_CSV_HEADER = "store_id,date_local,business_hours,uptime_hours,downtime_hours"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Poll:
    """One status poll; ``status`` is already ``'active'``/``'inactive'``, ``ts`` is tz-aware UTC."""

    store_id: str
    status: str
    ts: datetime


@dataclass(frozen=True)
class HourRow:
    """One business-hours row: local wall-clock ``start``–``end`` on weekday ``day_of_week`` (Monday = 0)."""

    store_id: str
    day_of_week: int
    start: time
    end: time


@dataclass(frozen=True)
class SpecialRow:
    """One special-hours row (rule 10): ``start``–``end`` local wall time on the store's local date
    ``date_local``, or closed that date when both times are ``None``."""

    store_id: str
    date_local: date
    start: time | None
    end: time | None

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValueError(f"special row {self}: give both times, or neither for a closed date")

    @property
    def closed(self) -> bool:
        return self.start is None


@dataclass(frozen=True)
class Figures:
    """The six exact durations of one report row, in CSV column order."""

    uptime_last_hour: timedelta
    uptime_last_day: timedelta
    uptime_last_week: timedelta
    downtime_last_hour: timedelta
    downtime_last_day: timedelta
    downtime_last_week: timedelta

    def as_tuple(self) -> tuple[timedelta, ...]:
        """The six durations in CSV column order."""
        return tuple(getattr(self, f.name) for f in fields(self))

    def rounded(self) -> tuple[Decimal, ...]:
        """The six CSV values: last hour in minutes, day and week in hours, 2 decimals, half-up."""
        units = (MINUTE, HOUR, HOUR, MINUTE, HOUR, HOUR)
        return tuple(round_half_up(value, unit) for value, unit in zip(self.as_tuple(), units))


def round_half_up(duration: timedelta, unit: timedelta) -> Decimal:
    """``duration / unit`` rounded to 2 decimals, halves away from zero (PostgreSQL ``round(numeric, 2)``).

    Computed on exact fractions of microseconds, so no binary or decimal precision is lost.
    Durations are never negative here, so "half up" and "half away from zero" agree.
    """
    quotient = Fraction(_microseconds(duration), _microseconds(unit))
    hundredths = math.floor(quotient * 100 + Fraction(1, 2))
    return Decimal(hundredths).scaleb(-2)


def _microseconds(duration: timedelta) -> int:
    return (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds


# --- time zones ---------------------------------------------------------------------------------


def zone_for(name: str | None) -> pytz.BaseTzInfo:
    """The store's zone: its IANA name if valid, else ``America/Chicago`` (missing or invalid name).

    Valid means spelled exactly as in pytz's list of zones: ``pytz.timezone`` itself accepts any
    letter case (``america/chicago``), PostgreSQL's ``pg_timezone_names`` match does not.
    """
    if name in pytz.all_timezones_set:
        return pytz.timezone(name)
    return pytz.timezone(DEFAULT_TIMEZONE)


@lru_cache(maxsize=1 << 16)  # pure; days (rule 12) and the property tests convert the same wall times often
def local_to_utc(wall_time: datetime, zone: pytz.BaseTzInfo) -> datetime:
    """Convert a naive local wall time to UTC like PostgreSQL's ``timestamp AT TIME ZONE zone``.

    PostgreSQL reads a wall time next to a change of offset both with the offset before the
    change and with the one after it, and keeps the *later* of the two instants:

    * an ordinary wall time has one reading;
    * a wall time inside a spring-forward gap does not exist; the offset before the change is
      the smaller one, so its reading is the later instant ("the offset in force before");
    * a wall time in a repeated fall-back hour exists twice; the later instant is kept.

    pytz's ``localize`` gives the two readings as ``is_dst=False`` and ``is_dst=True``. Taking
    the later one instead of trusting ``is_dst=False`` alone matters in zones whose DST flag is
    inverted (``Europe/Dublin`` and ``Africa/Casablanca`` flag their winter offset as DST).
    """
    readings = (zone.localize(wall_time, is_dst=is_dst) for is_dst in (False, True))
    return max(reading.astimezone(UTC) for reading in readings)


# --- business hours -----------------------------------------------------------------------------


def local_interval(row: HourRow | SpecialRow, local_date: date) -> tuple[datetime, datetime]:
    """The naive local interval an (open) hours row opens on ``local_date``; see :func:`wall_interval`."""
    assert row.start is not None and row.end is not None
    return wall_interval(row.start, row.end, local_date)


def wall_interval(start_time: time, end_time: time, local_date: date) -> tuple[datetime, datetime]:
    """The naive local interval from ``start_time`` to ``end_time`` opening on ``local_date``.

    The end ``23:59:59`` means midnight at the end of the day. Otherwise, if ``end <= start``
    the interval ends on the next day (so ``start == end`` is 24 hours).
    """
    start = datetime.combine(local_date, start_time)
    next_day = local_date + timedelta(days=1)
    if end_time == END_OF_DAY_MARK:
        end = datetime.combine(next_day, time(0))
    elif end_time <= start_time:
        end = datetime.combine(next_day, end_time)
    else:
        end = datetime.combine(local_date, end_time)
    return start, end


def opening_hours(
    local_date: date, weekly_rows: Collection[HourRow], special_rows_on: Mapping[date, Collection[SpecialRow]]
) -> list[tuple[time, time]]:
    """The (start, end) wall times of the intervals that open on ``local_date`` (rules 5 and 10).

    Special rows for the date replace the weekly rows of its weekday (a closed row opens
    nothing); a store without weekly rows is open 24/7, i.e. 00:00-00:00 on every date.
    """
    if local_date in special_rows_on:
        return [(row.start, row.end) for row in special_rows_on[local_date] if not row.closed]
    if not weekly_rows:
        return [ALL_DAY]
    return [(row.start, row.end) for row in weekly_rows if row.day_of_week == local_date.weekday()]


def special_rows_by_date(special_rows_of_store: Iterable[SpecialRow]) -> dict[date, set[SpecialRow]]:
    by_date: dict[date, set[SpecialRow]] = defaultdict(set)
    for row in special_rows_of_store:
        by_date[row.date_local].add(row)
    return by_date


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted union of half-open intervals; touching or overlapping intervals become one."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def clip(interval: Interval, window_start: datetime, window_end: datetime) -> Interval | None:
    """The part of ``interval`` inside the window, or ``None`` if nothing is left."""
    start, end = max(interval[0], window_start), min(interval[1], window_end)
    return (start, end) if start < end else None


def business_intervals(
    hours_rows_of_store: Iterable[HourRow],
    zone_name: str | None,
    window_start: datetime,
    window_end: datetime,
    special: Iterable[SpecialRow] = (),
) -> list[Interval]:
    """The store's business time inside ``[window_start, window_end]`` as merged UTC intervals.

    ``hours_rows_of_store`` and ``special`` are one store's weekly and special-hours rows. On
    each local date the intervals of :func:`opening_hours` open (weekly rows of its weekday,
    special rows of the date instead when it has any, 00:00-00:00 when the store has no weekly
    rows); each local start and end is converted to UTC on its own (:func:`local_to_utc`); an
    interval that comes out empty is dropped; overlaps count once. Local dates from two days
    before the window's first local date are included, so intervals that start before the
    window and reach into it count for their part inside it.
    """
    weekly_rows = set(hours_rows_of_store)
    special_rows_on = special_rows_by_date(special)
    if not weekly_rows and not special_rows_on:  # open 24/7, whatever the zone
        return [(window_start, window_end)] if window_start < window_end else []
    zone = zone_for(zone_name)
    utc_intervals = []
    for local_date in local_dates_reaching(window_start, window_end, zone):
        for start_time, end_time in opening_hours(local_date, weekly_rows, special_rows_on):
            local_start, local_end = wall_interval(start_time, end_time, local_date)
            utc_interval = (local_to_utc(local_start, zone), local_to_utc(local_end, zone))
            clipped = clip(utc_interval, window_start, window_end)
            if clipped is not None:
                utc_intervals.append(clipped)
    return merge_intervals(utc_intervals)


def local_dates_reaching(window_start: datetime, window_end: datetime, zone: pytz.BaseTzInfo) -> list[date]:
    """Every local date whose intervals could reach into the window (they last at most until D + 2)."""
    first_date = window_start.astimezone(zone).date() - timedelta(days=2)
    last_date = window_end.astimezone(zone).date() + timedelta(days=1)
    return [first_date + timedelta(days=n) for n in range((last_date - first_date).days + 1)]


# --- status -------------------------------------------------------------------------------------


def status_per_instant(polls_of_store: Iterable[Poll]) -> list[tuple[datetime, str]]:
    """One status per distinct poll instant, sorted by time.

    Exact duplicates count once; at an instant with both statuses, ``inactive`` wins.
    """
    statuses_at: dict[datetime, set[str]] = defaultdict(set)
    for poll in polls_of_store:
        statuses_at[poll.ts].add(poll.status)
    return [
        (ts, INACTIVE if INACTIVE in statuses else ACTIVE)
        for ts, statuses in sorted(statuses_at.items())
    ]


def status_segments(
    instants: list[tuple[datetime, str]], window_start: datetime, window_end: datetime
) -> list[tuple[datetime, datetime, str]]:
    """The LEAD rule inside ``[window_start, window_end]``, as ``(start, end, status)`` pieces.

    Each poll's status holds from its instant until the next poll; the last poll holds until
    ``window_end`` (now, or earlier for a local day). The first poll's status also covers all time before it (it is
    carried back), so the status at a window start is that of the last poll before it, however
    old, or the first poll's if there is none. ``instants`` must be non-empty, sorted, and hold
    only polls at or before now; polls after an earlier ``window_end`` only end the piece before
    them.
    """
    segments = []
    for index, (ts, status) in enumerate(instants):
        holds_from = window_start if index == 0 else ts
        holds_until = instants[index + 1][0] if index + 1 < len(instants) else window_end
        clipped = clip((holds_from, holds_until), window_start, window_end)
        if clipped is not None:
            segments.append((*clipped, status))
    return segments


def total_length(intervals: Iterable[Interval]) -> timedelta:
    return sum((end - start for start, end in intervals), timedelta(0))


def overlap(intervals: list[Interval], start: datetime, end: datetime) -> timedelta:
    """Total length of ``intervals`` (disjoint) inside ``[start, end]``."""
    total = timedelta(0)
    for interval in intervals:
        clipped = clip(interval, start, end)
        if clipped is not None:
            total += clipped[1] - clipped[0]
    return total


def up_and_down(
    instants: list[tuple[datetime, str]], business: list[Interval], window_start: datetime, window_end: datetime
) -> tuple[timedelta, timedelta]:
    """(uptime, downtime) in one window: business time that is active, resp. inactive."""
    totals = {ACTIVE: timedelta(0), INACTIVE: timedelta(0)}
    for start, end, status in status_segments(instants, window_start, window_end):
        totals[status] += overlap(business, start, end)
    return totals[ACTIVE], totals[INACTIVE]


# --- the report ---------------------------------------------------------------------------------


def figures_for_store(
    instants: list[tuple[datetime, str]],
    hour_rows: list[HourRow],
    zone_name: str | None,
    now: datetime,
    special_rows: Iterable[SpecialRow] = (),
) -> Figures:
    """The six figures of one store with at least one poll at or before ``now``."""
    special_rows = list(special_rows)
    up: list[timedelta] = []
    down: list[timedelta] = []
    for length in (LAST_HOUR, LAST_DAY, LAST_WEEK):
        window_start = now - length
        business = business_intervals(hour_rows, zone_name, window_start, now, special_rows)
        uptime, downtime = up_and_down(instants, business, window_start, now)
        up.append(uptime)
        down.append(downtime)
    return Figures(*up, *down)


@dataclass(frozen=True)
class StoreInputs:
    """What the rules need of one reported store: its poll instants (at or before now), rows and zone."""

    instants: list[tuple[datetime, str]]
    hour_rows: list[HourRow]
    special_rows: list[SpecialRow]
    zone_name: str | None


def reported_stores(
    polls: Iterable[Poll],
    hours: Iterable[HourRow],
    timezones: Mapping[str, str],
    now: datetime,
    store_ids: Collection[str] | None,
    special: Iterable[SpecialRow],
) -> dict[str, StoreInputs]:
    """Every store with at least one poll at or before ``now`` (rule 3), sorted by store_id.

    Polls after ``now`` are ignored. Only stores in ``store_ids`` when it is given; stores that
    only have hours, special hours or a time zone are not reported.
    """
    wanted = None if store_ids is None else set(store_ids)
    polls_by_store: dict[str, list[Poll]] = defaultdict(list)
    for poll in polls:
        if poll.ts <= now and (wanted is None or poll.store_id in wanted):
            polls_by_store[poll.store_id].append(poll)
    hours_by_store: dict[str, list[HourRow]] = defaultdict(list)
    for row in hours:
        hours_by_store[row.store_id].append(row)
    special_by_store: dict[str, list[SpecialRow]] = defaultdict(list)
    for special_row in special:
        special_by_store[special_row.store_id].append(special_row)
    return {
        store_id: StoreInputs(
            status_per_instant(store_polls),
            hours_by_store[store_id],
            special_by_store[store_id],
            timezones.get(store_id),
        )
        for store_id, store_polls in sorted(polls_by_store.items())
    }


def compute_report(
    polls: Iterable[Poll],
    hours: Iterable[HourRow],
    timezones: Mapping[str, str],
    as_of: datetime,
    store_ids: Collection[str] | None = None,
    special: Iterable[SpecialRow] = (),
) -> dict[str, Figures]:
    """The report as of ``as_of`` (= now): store_id -> exact figures, for the stores of rule 3."""
    now = as_of
    return {
        store_id: figures_for_store(store.instants, store.hour_rows, store.zone_name, now, store.special_rows)
        for store_id, store in reported_stores(polls, hours, timezones, now, store_ids, special).items()
    }


def to_csv(result: dict[str, Figures]) -> str:
    """The report CSV: header, then one row per store sorted by ``store_id``, values like ``60.00``."""
    lines = [CSV_HEADER]
    for store_id in sorted(result):
        values = ",".join(f"{value:.2f}" for value in result[store_id].rounded())
        lines.append(f"{store_id},{values}")
    return "\n".join(lines) + "\n"


# --- outages (rule 11) --------------------------------------------------------------------------


def inactive_business_spans(
    instants: list[tuple[datetime, str]], business: list[Interval], window_start: datetime, window_end: datetime
) -> list[Interval]:
    """The maximal spans in the window that are in business hours with status ``inactive``.

    ``business`` is merged, so two of its intervals never touch: a store that closes while
    down and reopens still down gets two spans. Inactive pieces of consecutive polls touch at
    the poll between them and become one span.
    """
    pieces = []
    for start, end, status in status_segments(instants, window_start, window_end):
        if status != INACTIVE:
            continue
        for interval in business:
            clipped = clip(interval, start, end)
            if clipped is not None:
                pieces.append(clipped)
    return merge_intervals(pieces)


def outages(
    polls: Iterable[Poll],
    hours: Iterable[HourRow],
    timezones: Mapping[str, str],
    as_of: datetime,
    store_ids: Collection[str] | None = None,
    special: Iterable[SpecialRow] = (),
) -> dict[str, list[Interval]]:
    """Each reported store's outages inside the last week ``[now - 7 d, now]``, sorted by start.

    A store without outages maps to ``[]``. The lengths add up to its ``downtime_last_week``.
    """
    now = as_of
    week_start = now - LAST_WEEK
    result = {}
    for store_id, store in reported_stores(polls, hours, timezones, now, store_ids, special).items():
        business = business_intervals(store.hour_rows, store.zone_name, week_start, now, store.special_rows)
        result[store_id] = inactive_business_spans(store.instants, business, week_start, now)
    return result


def outages_csv(
    result: Mapping[str, list[Interval]],
    store_id: str | None = None,
    min_minutes: Decimal | int | float | str | None = None,
) -> str:
    """The outages CSV: ``store_id,start_utc,end_utc,minutes``, by store_id then start.

    ``store_id`` keeps one store's rows; ``min_minutes`` keeps outages whose exact length is at
    least that many minutes (read as the decimal written, so ``0.1`` is exactly 6 seconds).
    """
    shortest = None if min_minutes is None else Fraction(str(min_minutes))
    lines = [OUTAGES_CSV_HEADER]
    for outage_store in sorted(result):
        if store_id is not None and outage_store != store_id:
            continue
        for start, end in sorted(result[outage_store]):
            if shortest is not None and Fraction(_microseconds(end - start), _microseconds(MINUTE)) < shortest:
                continue
            minutes = round_half_up(end - start, MINUTE)
            lines.append(f"{outage_store},{utc_text(start)},{utc_text(end)},{minutes:.2f}")
    return "\n".join(lines) + "\n"


def utc_text(instant: datetime) -> str:
    """``2024-05-15T11:30:00.000000Z``: UTC, always six fraction digits."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# --- days in local time (rule 12) -----------------------------------------------------------------


@dataclass(frozen=True)
class DayFigures:
    """One store's exact business time, uptime and downtime over one local date (up to now)."""

    business: timedelta
    uptime: timedelta
    downtime: timedelta


NOTHING = DayFigures(timedelta(0), timedelta(0), timedelta(0))


def local_day(local_date: date, zone: pytz.BaseTzInfo) -> Interval:
    """``[D 00:00 local, D + 1 00:00 local)`` in UTC, each midnight converted by rule 6 (23, 24 or 25 h)."""
    next_date = local_date + timedelta(days=1)
    return (
        local_to_utc(datetime.combine(local_date, time(0)), zone),
        local_to_utc(datetime.combine(next_date, time(0)), zone),
    )


def day_figures(store: StoreInputs, local_date: date, now: datetime) -> DayFigures:
    """Business time, uptime and downtime of ``store`` over its local date cut at ``now``."""
    day_start, day_end = local_day(local_date, zone_for(store.zone_name))
    window_end = min(day_end, now)
    if window_end <= day_start:
        return NOTHING
    business = business_intervals(store.hour_rows, store.zone_name, day_start, window_end, store.special_rows)
    uptime, downtime = up_and_down(store.instants, business, day_start, window_end)
    return DayFigures(total_length(business), uptime, downtime)


def dates_between(date_from: date, date_to: date) -> list[date]:
    """Every date from ``date_from`` to ``date_to``, both included (none if ``date_to`` is earlier)."""
    return [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def days(
    polls: Iterable[Poll],
    hours: Iterable[HourRow],
    timezones: Mapping[str, str],
    as_of: datetime,
    date_from: date,
    date_to: date,
    store_ids: Collection[str] | None = None,
    special: Iterable[SpecialRow] = (),
) -> dict[tuple[str, date], DayFigures]:
    """(store_id, local date) -> the day's figures, for every reported store and every date of the range.

    Each date is a local date of the store's own zone; a date wholly after now has zeros.
    """
    now = as_of
    return {
        (store_id, local_date): day_figures(store, local_date, now)
        for store_id, store in reported_stores(polls, hours, timezones, now, store_ids, special).items()
        for local_date in dates_between(date_from, date_to)
    }


def days_csv(result: Mapping[tuple[str, date], DayFigures]) -> str:
    """The days CSV: ``store_id,date_local,business_hours,uptime_hours,downtime_hours``, by store_id then date."""
    lines = [DAYS_CSV_HEADER]
    for store_id, local_date in sorted(result):
        figures = result[(store_id, local_date)]
        hours = (round_half_up(value, HOUR) for value in (figures.business, figures.uptime, figures.downtime))
        lines.append(f"{store_id},{local_date.isoformat()}," + ",".join(f"{value:.2f}" for value in hours))
    return "\n".join(lines) + "\n"
