"""special_hours.csv rows (rule 10): a national holiday that closes most stores, short days on its eve (some running
past midnight into the holiday), a few stores open odd hours on the holiday itself, and one store closed for a week
of renovation. Dates are the stores' local dates."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

HOLIDAY_CLOSED_SHARE = 0.80
HOLIDAY_ODD_HOURS_SHARE = 0.05  # open, but not as usual
EVE_SHORT_SHARE = 0.35  # of the stores closed on the holiday
EVE_PAST_MIDNIGHT_SHARE = 0.05  # of those with a short eve: open late into the holiday instead
RENOVATION_DAYS = 7
DUPLICATE_ROWS = 3  # a few exact duplicate rows, as a hand-kept file has

Row = tuple[date, str, str]  # (date_local, start_time_local, end_time_local); empty times: closed


def holiday_date(end: datetime, days: float) -> date:
    """A date inside the sample's last week: four days before its end (the default sample: Sunday 2024-03-10, the
    US spring-forward day), or its middle for a shorter sample."""
    return (end - timedelta(days=min(4.0, days / 2))).date()


def special_lines(rng: random.Random, store_ids: list[str], end: datetime, days: float) -> list[str]:
    """Shuffled CSV lines for some of `store_ids` (the polled stores)."""
    holiday = holiday_date(end, days)
    eve = holiday - timedelta(days=1)
    rows: list[tuple[str, Row]] = []
    for store_id in store_ids:
        draw = rng.random()
        if draw < HOLIDAY_CLOSED_SHARE:
            rows.append((store_id, (holiday, "", "")))
            if rng.random() < EVE_SHORT_SHARE:
                rows.extend((store_id, row) for row in _short_eve(rng, eve))
        elif draw < HOLIDAY_CLOSED_SHARE + HOLIDAY_ODD_HOURS_SHARE:
            rows.extend((store_id, row) for row in _odd_hours(rng, holiday))
    renovated = rng.choice(store_ids)
    first = (end - timedelta(days=min(days, RENOVATION_DAYS))).date() + timedelta(days=1)
    renovation = [(first + timedelta(days=i), "", "") for i in range(RENOVATION_DAYS)]
    rows = [(s, r) for s, r in rows if s != renovated] + [(renovated, r) for r in renovation]
    rows.extend(rng.sample(rows, min(DUPLICATE_ROWS, len(rows))))
    lines = [f"{store_id},{day.isoformat()},{start},{end_}\n" for store_id, (day, start, end_) in rows]
    rng.shuffle(lines)
    return lines


def _clock(rng: random.Random, low_h: int, high_h: int) -> str:
    return f"{rng.randint(low_h, high_h):02d}:{rng.choice((0, 30)):02d}:00"


def _short_eve(rng: random.Random, eve: date) -> list[Row]:
    if rng.random() < EVE_PAST_MIDNIGHT_SHARE:
        return [(eve, _clock(rng, 17, 20), _clock(rng, 0, 2))]
    return [(eve, _clock(rng, 7, 10), _clock(rng, 13, 16))]


def _odd_hours(rng: random.Random, holiday: date) -> list[Row]:
    kind = rng.random()
    if kind < 0.5:
        return [(holiday, _clock(rng, 10, 12), _clock(rng, 15, 17))]
    if kind < 0.8:  # a split day
        return [(holiday, "08:00:00", "11:00:00"), (holiday, "17:00:00", "21:00:00")]
    return [(holiday, "00:00:00", "23:59:59")]
