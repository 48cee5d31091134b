"""Geometry of the report page's charts, drawn as inline SVG by its template: the histogram of stores by weekly
uptime %, and the fleet's uptime per local day."""

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.web.data import Bucket
from app.web.fleet import FleetDay

WIDTH, HEIGHT = 640, 250
LEFT, RIGHT, TOP, BOTTOM = 48, 24, 24, 32  # margins for the axes' labels and the counts above the bars


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    stores: int
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: float
    plot_right: float
    plot_bottom: float


def _pct(value: Decimal) -> str:
    return f"{float(value):.1f}".removesuffix(".0")


def _step(top: int) -> int:
    """A round tick step giving at most about five ticks up to `top`."""
    raw = max(1, math.ceil(top / 5))
    magnitude = 10 ** (len(str(raw)) - 1)
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def histogram(buckets: list[Bucket]) -> Histogram:
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = _step(max((b.stores for b in buckets), default=0))
    top = max(step, math.ceil(max((b.stores for b in buckets), default=0) / step) * step)
    slot = plot_width / max(1, len(buckets))
    bars = []
    for i, bucket in enumerate(buckets):
        height = plot_height * bucket.stores / top
        last = i == len(buckets) - 1
        span = f"{_pct(bucket.from_pct)} to {'' if last else 'under '}{_pct(bucket.to_pct)} %"
        bars.append(Bar(round(LEFT + i * slot + 1, 2), round(TOP + plot_height - height, 2), round(slot - 2, 2),
                        round(height, 2), bucket.stores, f"{bucket.stores} stores with a weekly uptime of {span}"))
    every = max(1, len(buckets) // 4)
    x_ticks = [Tick(round(LEFT + i * slot, 2), f"{_pct(b.from_pct)}%") for i, b in enumerate(buckets) if i % every == 0]
    x_ticks.append(Tick(LEFT + plot_width, "100%"))
    y_ticks = [Tick(round(TOP + plot_height - plot_height * v / top, 2), str(v)) for v in range(0, top + 1, step)]
    return Histogram(WIDTH, HEIGHT, bars, x_ticks, y_ticks, LEFT, LEFT + plot_width, TOP + plot_height)


# The fleet's uptime per local day: a line over the days, its axis starting at a round value below the lowest day
# (a fleet's days differ by a few points; from 0 they would look alike), said so by the axis labels.
DAY_WIDTH, DAY_HEIGHT = 640, 230
DAY_LEFT, DAY_RIGHT, DAY_TOP, DAY_BOTTOM = 48, 16, 28, 36
DAY_VALUES_SHOWN = 14  # up to this many days, each point's value is written above it and each date below


@dataclass(frozen=True)
class DayPoint:
    x: float
    y: float
    day: date
    value: str
    title: str


@dataclass(frozen=True)
class DayChart:
    width: int
    height: int
    points: list[DayPoint]
    line: str  # SVG path through the points; a day without business time breaks it
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    show_values: bool


def _axis_floor(lowest: float) -> tuple[int, int]:
    """The axis's lowest value (a multiple of 5, at most 90) and its tick step."""
    floor = max(0, min(90, 5 * math.floor((lowest - 1) / 5)))
    span = 100 - floor
    return floor, 2 if span <= 10 else 5 if span <= 25 else 10 if span <= 50 else 20


def day_chart(days: list[FleetDay]) -> DayChart:
    plot_width, plot_height = DAY_WIDTH - DAY_LEFT - DAY_RIGHT, DAY_HEIGHT - DAY_TOP - DAY_BOTTOM
    bottom = DAY_TOP + plot_height
    floor, step = _axis_floor(min((float(d.uptime_pct) for d in days if d.uptime_pct is not None), default=100))
    slot = plot_width / max(1, len(days))
    show_values = len(days) <= DAY_VALUES_SHOWN
    every = 1 if show_values else math.ceil(len(days) / 10)

    def y_of(pct: float) -> float:
        return round(bottom - plot_height * (pct - floor) / (100 - floor), 2)

    points, x_ticks, path, drawing = [], [], [], False
    for i, d in enumerate(days):
        x = round(DAY_LEFT + (i + 0.5) * slot, 2)
        if i % every == 0:
            x_ticks.append(Tick(x, f"{d.day:%a} {d.day.day}" if show_values else f"{d.day.day} {d.day:%b}"))
        if d.uptime_pct is None:
            drawing = False
            continue
        y = y_of(float(d.uptime_pct))
        path.append(f"{'L' if drawing else 'M'}{x} {y}")
        drawing = True
        points.append(DayPoint(x, y, d.day, f"{float(d.uptime_pct):.1f}",
                               f"{d.day:%a} {d.day.day} {d.day:%b}: {float(d.uptime_pct):.1f} % uptime "
                               f"({d.uptime_hours:,} h up, {d.downtime_hours:,} h down; {d.stores_open:,} stores "
                               f"open)"))
    y_ticks = [Tick(y_of(v), f"{v}%") for v in range(floor, 101, step)]
    return DayChart(DAY_WIDTH, DAY_HEIGHT, points, " ".join(path), x_ticks, y_ticks, DAY_LEFT, DAY_LEFT + plot_width,
                    DAY_TOP, bottom, show_values)
