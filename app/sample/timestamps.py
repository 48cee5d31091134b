"""Fast formatting of poll instants as `2023-01-22 12:09:39.388884 UTC`."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(instant: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime, exactly (no float rounding)."""
    return (instant - _EPOCH) // timedelta(microseconds=1)


class TimestampFormatter:
    """Formats instants given as microseconds after `start`, for instants up to `start + span_us`.

    strftime per row is the slow part of writing millions of polls, so the `YYYY-MM-DD HH:MM:` prefix of
    every minute in the range is formatted once and the seconds and fraction are appended per row.
    """

    def __init__(self, start: datetime, span_us: int):
        self._start_us = epoch_us(start)
        self._first_minute = self._start_us // MINUTE_US
        last_minute = (self._start_us + span_us) // MINUTE_US
        self._prefixes = [
            (_EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:")
            for minute in range(self._first_minute, last_minute + 1)
        ]

    def floor_to_second(self, offset_us: int) -> int:
        """The offset of the whole UTC second at or before `start + offset_us` (kept inside the range)."""
        floored = offset_us - (self._start_us + offset_us) % SECOND_US
        return floored if floored >= 0 else offset_us

    def lines(self, heads: list[str], offsets_us: list[int]) -> list[str]:
        """`head + timestamp + newline` for each pair: the hot loop of the sample generator.

        Whole seconds are written without a fraction, as Python's str(datetime) does.
        """
        prefixes = self._prefixes
        # Offsets from the start of the first minute, so the minute is a plain index into prefixes.
        shift = self._start_us - self._first_minute * MINUTE_US
        # (n % 6e7) / 1e6 is close enough to the decimal that 6 places print it exactly.
        lines = [
            f"{head}{prefixes[(t + shift) // MINUTE_US]}{(t + shift) % MINUTE_US / SECOND_US:09.6f} UTC\n"
            for head, t in zip(heads, offsets_us)
        ]
        for i, t in enumerate(offsets_us):
            if not (t + shift) % SECOND_US:
                lines[i] = lines[i].replace(".000000 UTC", " UTC")
        return lines
