"""The store page's timeline: one row per local date, x = local wall-clock minutes since midnight (0-1440).

Positions are wall-clock times, so business hours sit where the owner wrote them. On a day with a DST change the
clock skips or repeats an hour: a spring-forward gap is crossed by whatever spans it, and pieces in a repeated
hour are drawn over each other (the day's totals, in real time, still count both).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

DAY_MINUTES = 24 * 60
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class DaySpan:
    """A local date the report's week touches; the part inside the week in wall-clock hours since midnight."""

    day: date
    length_hours: float
    window_from_hour: float
    window_to_hour: float


@dataclass(frozen=True)
class Piece:
    """Part of the business hours (kind 'hours') or of one status (kind 'status') within one local date."""

    kind: str
    day: date
    status: str | None
    in_hours: bool
    seconds: float
    from_hour: float
    to_hour: float


@dataclass(frozen=True)
class Poll:
    day: date
    hour: float
    status: str
    at: datetime


@dataclass(frozen=True)
class OutageMark:
    """The part of outage `number` (rule 11) within one local date, in wall-clock hours since its midnight."""

    number: int
    day: date
    from_hour: float
    to_hour: float


@dataclass(frozen=True)
class Bar:
    """A rectangle of a row, in minutes since local midnight."""

    x: float
    width: float
    css: str
    title: str


@dataclass(frozen=True)
class OutageBar(Bar):
    number: int  # the outage's number in the store page's list


@dataclass
class DayRow:
    day: date
    length_hours: float
    window: Bar
    hours: list[Bar] = field(default_factory=list)
    status: list[Bar] = field(default_factory=list)
    poll_ticks: dict[str, str] = field(default_factory=dict)  # status -> SVG path of its polls' ticks
    outages: list[OutageBar] = field(default_factory=list)
    up_seconds: float = 0.0  # in business hours
    down_seconds: float = 0.0

    @property
    def label(self) -> str:
        return f"{WEEKDAYS[self.day.weekday()]} {self.day.day} {self.day:%b}"

    @property
    def dst_note(self) -> str | None:
        if abs(self.length_hours - 24) < 1e-9:
            return None
        return f"{self.length_hours:g}-hour day (clocks changed)"

    @property
    def business_seconds(self) -> float:
        return self.up_seconds + self.down_seconds


def clock(hour: float) -> str:
    """Wall-clock hours since midnight as HH:MM (truncated to the minute; 24 is 24:00)."""
    minutes = max(0, min(DAY_MINUTES, int(hour * 60 + 1e-6)))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _bar(from_hour: float, to_hour: float, css: str, title: str) -> Bar:
    start = max(0.0, min(DAY_MINUTES, from_hour * 60))
    end = max(start, min(DAY_MINUTES, to_hour * 60))
    return Bar(round(start, 2), round(end - start, 2), css, title)


def _status_bar(piece: Piece) -> Bar:
    word = "Up" if piece.status == "active" else "Down"
    where = "in business hours" if piece.in_hours else "outside business hours (not counted)"
    css = ("up" if piece.status == "active" else "down") + ("" if piece.in_hours else " closed")
    return _bar(piece.from_hour, piece.to_hour, css,
                f"{word} {clock(piece.from_hour)}–{clock(piece.to_hour)}, {where}")


def _ticks(hours: list[float]) -> str:
    return "".join(f"M{round(hour * 60, 1)} 0v8" for hour in hours)


def day_rows(days: list[DaySpan], pieces: list[Piece], polls: list[Poll]) -> list[DayRow]:
    rows = {d.day: DayRow(d.day, d.length_hours,
                          _bar(d.window_from_hour, d.window_to_hour, "window",
                               f"In the report's week {clock(d.window_from_hour)}–{clock(d.window_to_hour)}"))
            for d in days}
    for piece in pieces:
        row = rows.get(piece.day)
        if row is None:
            continue
        if piece.kind == "hours":
            row.hours.append(_bar(piece.from_hour, piece.to_hour, "open",
                                  f"Open {clock(piece.from_hour)}–{clock(piece.to_hour)}"))
            continue
        row.status.append(_status_bar(piece))
        if piece.in_hours and piece.status == "active":
            row.up_seconds += piece.seconds
        elif piece.in_hours:
            row.down_seconds += piece.seconds
    ticks: dict[date, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for poll in polls:
        ticks[poll.day][poll.status].append(poll.hour)
    for day, by_status in ticks.items():
        if day in rows:
            rows[day].poll_ticks = {status: _ticks(hours) for status, hours in sorted(by_status.items())}
    return [rows[d.day] for d in days]


def week_totals(rows: list[DayRow]) -> tuple[float, float]:
    """Up and down hours in business hours over the drawn days: the report's last-week figures, unrounded."""
    return sum(r.up_seconds for r in rows) / 3600, sum(r.down_seconds for r in rows) / 3600


def mark_outages(rows: list[DayRow], marks: list[OutageMark]) -> None:
    """Adds each outage's part of a day to that day's row (the down pieces in business hours it spans)."""
    by_day = {row.day: row for row in rows}
    for mark in marks:
        row = by_day.get(mark.day)
        if row is None:
            continue
        bar = _bar(mark.from_hour, mark.to_hour, "outage",
                   f"Outage {mark.number}: {clock(mark.from_hour)}–{clock(mark.to_hour)} this day")
        row.outages.append(OutageBar(bar.x, bar.width, bar.css, bar.title, mark.number))
