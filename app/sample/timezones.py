"""timezones.csv rows: only some stores have one (the others default to America/Chicago in reports)."""
from __future__ import annotations

import random

TIMEZONE_SHARE = 0.32
ZONES: tuple[tuple[str, float], ...] = (
    ("America/Chicago", 0.30),
    ("America/New_York", 0.28),
    ("America/Los_Angeles", 0.14),
    ("America/Denver", 0.08),
    ("America/Phoenix", 0.04),  # no DST
    ("America/Boise", 0.03),
    ("Asia/Kolkata", 0.04),  # +05:30
    ("Asia/Kathmandu", 0.02),  # +05:45
    ("Australia/Sydney", 0.04),  # southern hemisphere DST
    ("Europe/London", 0.03),
)
INVALID_ZONES = ("Mars/Olympus", "America/Atlantis", "Central Standard Time")


def timezone_lines(rng: random.Random, store_ids: list[str]) -> list[str]:
    """Shuffled CSV lines, one per store in `store_ids`.

    The first stores get each zone once and then an invalid name, so even small samples have every kind.
    """
    names = [name for name, _ in ZONES]
    weights = [weight for _, weight in ZONES]
    invalid_count = max(2, round(len(store_ids) / 1500))
    forced = names + [INVALID_ZONES[i % len(INVALID_ZONES)] for i in range(invalid_count)]
    lines = []
    for position, store_id in enumerate(store_ids):
        zone = forced[position] if position < len(forced) else rng.choices(names, weights)[0]
        lines.append(f"{store_id},{zone}\n")
    rng.shuffle(lines)
    return lines
