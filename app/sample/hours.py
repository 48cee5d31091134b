"""menu_hours.csv rows: business hours in local wall-clock time, one style per store.

Stores without rows are open 24/7, so only a share of the stores gets hours at all.
"""
from __future__ import annotations

import random
from collections.abc import Callable

HOURS_SHARE = 0.325
DUPLICATE_ROWS_SHARE = 0.04
END_OF_DAY = "23:59:59"  # the data's way of saying "until midnight"
DAYS = range(7)  # 0 = Monday ... 6 = Sunday
FRIDAY, SATURDAY, SUNDAY = 4, 5, 6

Row = tuple[int, str, str]  # (dayOfWeek, start_time_local, end_time_local)


def _clock(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def _between(rng: random.Random, low_h: float, high_h: float, step_min: int = 30) -> int:
    """Minutes since midnight on a `step_min` grid in [low_h, high_h] hours."""
    steps = int((high_h - low_h) * 60 // step_min)
    return int(low_h * 60) + step_min * rng.randint(0, steps)


def _day_close(rng: random.Random) -> str:
    return END_OF_DAY if rng.random() < 0.1 else _clock(_between(rng, 20, 23.5))


def _regular(rng: random.Random) -> list[Row]:
    start, end = _clock(_between(rng, 6, 11)), _day_close(rng)
    return [(day, start, end) for day in DAYS]


def _irregular(rng: random.Random) -> list[Row]:
    return [(day, _clock(_between(rng, 6, 12, 15)), _day_close(rng)) for day in DAYS]


def _closed_days(rng: random.Random) -> list[Row]:
    closed = set(rng.sample((0, SUNDAY, 1), rng.randint(1, 2)))
    return [row for row in _regular(rng) if row[0] not in closed]


def _late_weekends(rng: random.Random) -> list[Row]:
    late_end = _clock(_between(rng, 0, 3))
    return [(day, start, late_end if day in (FRIDAY, SATURDAY) else end) for day, start, end in _regular(rng)]


def _overnight(rng: random.Random) -> list[Row]:
    start, end = _clock(_between(rng, 17, 23, 60)), _clock(_between(rng, 0, 4, 60))
    return [(day, start, end) for day in DAYS]


def _split_shifts(rng: random.Random) -> list[Row]:
    lunch = (_clock(_between(rng, 10.5, 11.5)), _clock(_between(rng, 14, 15)))
    dinner = (_clock(_between(rng, 17, 18)), _clock(_between(rng, 21, 23)))
    return [(day, *shift) for day in DAYS for shift in (lunch, dinner)]


def _overlapping(rng: random.Random) -> list[Row]:
    first = (_between(rng, 8, 10), _between(rng, 14, 16))
    if rng.random() < 0.25:
        second = (first[0] + 60, first[1] - 60)  # wholly inside the first
    else:
        second = (first[1] - _between(rng, 1, 2), _between(rng, 20, 23))
    return [(day, _clock(start), _clock(end)) for day in DAYS for start, end in (first, second)]


def _full_day(rng: random.Random) -> list[Row]:
    return [(day, "00:00:00", END_OF_DAY) for day in DAYS]


def _start_equals_end(rng: random.Random) -> list[Row]:
    start = _clock(rng.choice((0, 5 * 60, 10 * 60)))
    return [(day, start, start) for day in DAYS]


HourStyle = Callable[[random.Random], list[Row]]
STYLES: tuple[tuple[HourStyle, float], ...] = (
    (_regular, 0.50),
    (_closed_days, 0.12),
    (_late_weekends, 0.08),
    (_split_shifts, 0.08),
    (_overnight, 0.07),
    (_full_day, 0.06),
    (_overlapping, 0.04),
    (_irregular, 0.03),
    (_start_equals_end, 0.02),
)


def hour_lines(rng: random.Random, store_ids: list[str]) -> list[str]:
    """Shuffled CSV lines for `store_ids`; the first stores get one of each style so small samples have all."""
    styles = [style for style, _ in STYLES]
    weights = [weight for _, weight in STYLES]
    lines: list[str] = []
    for position, store_id in enumerate(store_ids):
        style = styles[position] if position < len(styles) else rng.choices(styles, weights)[0]
        rows = style(rng)
        if position == 0 or rng.random() < DUPLICATE_ROWS_SHARE:
            rows += rng.sample(rows, min(len(rows), rng.randint(1, 3)))
        lines.extend(f"{store_id},{day},{start},{end}\n" for day, start, end in rows)
    rng.shuffle(lines)
    return lines
