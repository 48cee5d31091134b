"""Geometry of the report page's histogram (stores by weekly uptime %), drawn as inline SVG by the template."""

import math
from dataclasses import dataclass
from decimal import Decimal

from app.web.data import Bucket

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
