"""store_status.csv rows: when each store polls and which status it reports.

Times are integer microseconds after the start of the sample window [end - days, end].
"""
from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from app.sample.timestamps import DAY_US, HOUR_US, MINUTE_US, SECOND_US, TimestampFormatter

HOURLY_SHARE = 0.70
HOURLY_MISS_RATE = 0.015
HOURLY_JITTER_US = 150 * SECOND_US  # each poll lands within ±2.5 min of the store's own minute offset
SPARSE_MIN_GAP_US = 2 * HOUR_US
SPARSE_MAX_GAP_US = 6 * HOUR_US
WHOLE_SECOND_RATE = 0.002  # polls written without a fraction
DUPLICATE_RATE = 0.0005  # exact duplicate rows

LATE_START_SHARE = 0.04
SILENT_SHARE = 0.04
GONE_DARK_SHARE = 0.01
BLOCK_ROWS = 200_000

# Status timeline: up periods are exponential with a per-store mean (so some stores are far flakier than
# others); outages are drawn from length bands, from a single missed poll up to days. Overall ~90% active.
UPTIME_MEAN_BANDS = (  # (share of stores, mean up period low, high)
    (0.45, 120 * HOUR_US, 400 * HOUR_US),
    (0.40, 24 * HOUR_US, 96 * HOUR_US),
    (0.12, 6 * HOUR_US, 24 * HOUR_US),
    (0.03, 1 * HOUR_US, 6 * HOUR_US),
)
OUTAGE_BANDS = (  # (share of outages, length low, high)
    (0.40, 20 * MINUTE_US, 75 * MINUTE_US),
    (0.35, 1 * HOUR_US, 5 * HOUR_US),
    (0.18, 5 * HOUR_US, 16 * HOUR_US),
    (0.07, 16 * HOUR_US, 60 * HOUR_US),
)
STATUS_BURN_IN_US = 3 * DAY_US  # start the timeline before the window so its state at the start varies

ODD_STATUS_SPELLINGS = {True: ("Active", "ACTIVE", " active", "active "), False: ("Inactive", " inactive ", "INACTIVE")}


@dataclass(frozen=True)
class PollQuirks:
    """Which stores (by index) poll unusually; the schedule quirks are disjoint."""

    late_start: frozenset[int]  # first seen mid-week
    silent: frozenset[int]  # no polls for 2-4 days, then resume
    gone_dark: frozenset[int]  # stop polling days before the end
    single_poll: frozenset[int]  # exactly one poll
    conflicting: frozenset[int]  # one instant polled twice with different statuses
    odd_status: frozenset[int]  # a few statuses in another case or with blanks


def choose_quirks(rng: random.Random, stores: int) -> PollQuirks:
    counts = [
        max(2, round(stores * LATE_START_SHARE)),
        max(2, round(stores * SILENT_SHARE)),
        max(1, round(stores * GONE_DARK_SHARE)),
        max(2, stores // 5000),
    ]
    scale = min(1.0, stores / (2 * sum(counts)))  # tiny samples: keep most stores ordinary
    counts = [int(count * scale) for count in counts]
    chosen = rng.sample(range(stores), sum(counts))
    groups = []
    for count in counts:
        groups.append(frozenset(chosen[:count]))
        chosen = chosen[count:]
    late_start, silent, gone_dark, single_poll = groups
    return PollQuirks(
        late_start=late_start,
        silent=silent,
        gone_dark=gone_dark,
        single_poll=single_poll,
        conflicting=frozenset(rng.sample(range(stores), min(stores, max(2, stores // 3000)))),
        odd_status=frozenset(rng.sample(range(stores), min(stores, max(3, stores // 1000)))),
    )


def poll_blocks(
    rng: random.Random,
    shuffle_rng: random.Random,
    store_ids: list[str],
    quirks: PollQuirks,
    span_us: int,
    formatter: TimestampFormatter,
) -> Iterator[list[str]]:
    """CSV lines for every store, in blocks of about BLOCK_ROWS rows shuffled within the block.

    Each block holds consecutive stores, so rows are interleaved and unsorted without the whole file in memory.
    """
    block: list[str] = []
    for index, store_id in enumerate(store_ids):
        block.extend(_store_lines(rng, store_id, index, quirks, span_us, formatter))
        if len(block) >= BLOCK_ROWS:
            shuffle_rng.shuffle(block)
            yield block
            block = []
    if block:
        shuffle_rng.shuffle(block)
        yield block


def _store_lines(
    rng: random.Random,
    store_id: str,
    index: int,
    quirks: PollQuirks,
    span_us: int,
    formatter: TimestampFormatter,
) -> list[str]:
    times = _poll_times(rng, index, quirks, span_us)
    for i in _some_positions(rng, len(times), WHOLE_SECOND_RATE):
        times[i] = formatter.floor_to_second(times[i])
    states = _states_at(rng, times)
    active, inactive = f"{store_id},active,", f"{store_id},inactive,"
    heads = [active if state else inactive for state in states]
    if index in quirks.odd_status:
        for i in rng.sample(range(len(times)), min(len(times), rng.randint(1, 3))):
            heads[i] = f"{store_id},{rng.choice(ODD_STATUS_SPELLINGS[states[i]])},"
    lines = formatter.lines(heads, times)
    lines.extend([lines[i] for i in _some_positions(rng, len(lines), DUPLICATE_RATE)])
    if index in quirks.conflicting:
        i = rng.randrange(len(times))
        lines.extend(formatter.lines([inactive if states[i] else active], [times[i]]))
    return lines


def _poll_times(rng: random.Random, index: int, quirks: PollQuirks, span_us: int) -> list[int]:
    """Sorted poll offsets in [0, span_us]; never empty."""
    if index in quirks.single_poll:
        return [rng.randrange(span_us + 1)]
    first, last = 0, span_us
    if index in quirks.late_start:
        first = int(span_us * (0.2 + 0.6 * rng.random()))
    elif index in quirks.gone_dark:
        last = int(span_us * (0.3 + 0.5 * rng.random()))

    random_ = rng.random
    if random_() < HOURLY_SHARE:
        base = rng.randrange(HOUR_US) - HOUR_US - HOURLY_JITTER_US
        jitter = 2 * HOURLY_JITTER_US
        times = [base + hour * HOUR_US + int(random_() * jitter) for hour in range(span_us // HOUR_US + 2)]
        for i in sorted(_some_positions(rng, len(times), HOURLY_MISS_RATE), reverse=True):
            del times[i]
    else:
        times = []
        t = int(random_() * SPARSE_MAX_GAP_US)
        while t <= span_us:
            times.append(t)
            t += SPARSE_MIN_GAP_US + int(random_() * (SPARSE_MAX_GAP_US - SPARSE_MIN_GAP_US))

    times = times[bisect_left(times, first) : bisect_right(times, last)]
    if index in quirks.silent:
        silent_from, silent_to = _silent_interval(rng, span_us)
        del times[bisect_left(times, silent_from) : bisect_left(times, silent_to)]
    if not times:
        return [first + rng.randrange(last - first + 1)]
    return times


def _some_positions(rng: random.Random, length: int, rate: float) -> list[int]:
    """Distinct random positions in range(length), `rate * length` of them on average.

    Cheaper than a random() call per item for rare events.
    """
    count = min(length, int(rate * length + rng.random()))
    return rng.sample(range(length), count) if count else []


def _silent_interval(rng: random.Random, span_us: int) -> tuple[int, int]:
    """2-4 days without polls, with polls on both sides; empty if the window is too short for that."""
    margin = 12 * HOUR_US
    longest = min(4 * DAY_US, span_us - 2 * margin)
    if longest < 2 * DAY_US:
        return 0, 0
    length = 2 * DAY_US + int(rng.random() * (longest - 2 * DAY_US))
    start = margin + int(rng.random() * (span_us - 2 * margin - length))
    return start, start + length


def _states_at(rng: random.Random, times: list[int]) -> list[bool]:
    """The store's status (True = active) at each of the sorted `times`, from a random up/down timeline."""
    mean_up = _draw_band(rng, UPTIME_MEAN_BANDS)
    active = True
    change_at = -STATUS_BURN_IN_US + int(rng.expovariate(1.0) * mean_up)
    states = []
    for t in times:
        while change_at <= t:
            active = not active
            change_at += _draw_band(rng, OUTAGE_BANDS) if not active else int(rng.expovariate(1.0) * mean_up)
        states.append(active)
    return states


def _draw_band(rng: random.Random, bands: tuple[tuple[float, int, int], ...]) -> int:
    pick = rng.random()
    for share, low, high in bands:  # noqa: B007 -- the band picked is used after the loop
        if pick < share:
            break
        pick -= share
    return low + int(rng.random() * (high - low))
