"""The vectorised half of the polls file's checks (see poll_check.py): every line of a block at once with numpy.

The fields of every line come from the positions of its commas. A line must be within the length limit; store_id
non-empty without blanks around it and within its length limit; status exactly `active` or `inactive`; timestamp_utc
one of the accepted shapes holding a real date and time inside the accepted years (app/ingest/limits.py).
A status in another case (`ACTIVE`) is written in lower case in place. Timestamps are grouped by width: the first
of a group gives the template (its digits written as 0) that the others must match, compared 8 bytes at a time. The
UTC day of every accepted timestamp comes out too: the move into store_status is planned from the days' counts."""

import functools
import re
from typing import NamedTuple

import numpy as np

from app.ingest.limits import LineLimits

SHAPE = re.compile(rb"0000-00-00[ T]00:00:00(\.0{1,6})?( ?(UTC|Z|[+-]00(:?00)?))?")  # digits written as 0
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_PAD = bytes(64)  # lets reads of 8 bytes run past the last line
_ACTIVE = int.from_bytes(b"active", "little")
_INACTIVE = int.from_bytes(b"inactive", "little")
_LOW_6_BYTES = (1 << 48) - 1
_LOWERCASE_BIT = int.from_bytes(b"\x20" * 8, "little")
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
_MIN_WIDTH, _MAX_WIDTH = 19, 40


def days_from_civil(year, month, day):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm); ints or int64 arrays."""
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


class BlockVerdict(NamedTuple):
    ends: np.ndarray  # the newline position of every line
    flagged: np.ndarray  # the indexes of the lines that need a closer look
    days: np.ndarray  # every line's UTC day number (meaningless for the flagged ones)
    uppercase: np.ndarray  # byte positions of statuses to write in lower case (`ACTIVE`, `Inactive`, ...)


def flag_lines(block: bytes, positions: tuple[int, int, int], limits: LineLimits) -> BlockVerdict:
    """The verdict on a block of whole 3-field lines, given the positions of store_id, status and timestamp_utc."""
    a = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(a == ord("\n"))
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1] + 1
    commas, bad = _commas_per_line(a, starts, ends)
    bad |= ends - starts > limits.max_line_bytes
    if b'"' in block:
        bad[np.searchsorted(ends, np.flatnonzero(a == ord('"')))] = True
    field_starts = (starts, commas[:, 0] + 1, commas[:, 1] + 1)
    field_ends = (commas[:, 0], commas[:, 1], ends)
    padded = block + _PAD
    words = np.ndarray((len(padded) - 7,), dtype="<u8", buffer=padded, strides=(1,))  # 8 bytes at every offset
    store, status, timestamp = positions
    bad |= ~_store_ids_ok(words, field_starts[store], field_ends[store], limits.max_store_id_bytes)
    exact, any_case = _statuses(words, field_starts[status], field_ends[status])
    bad |= ~any_case
    ok, days = _timestamps(block, words, field_starts[timestamp], field_ends[timestamp], bad)
    ok &= (days >= limits.first_day) & (days < limits.end_day)
    bad |= ~ok
    to_lower = np.flatnonzero(~bad & ~exact)
    uppercase = (field_starts[status][to_lower, None] + np.arange(8))[
        np.arange(8) < (field_ends[status] - field_starts[status])[to_lower, None]]
    return BlockVerdict(ends, np.flatnonzero(bad), days, uppercase)


def _commas_per_line(a: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two comma positions of every line (a line with another number of commas gets its start twice and is
    flagged)."""
    n = len(ends)
    positions = np.flatnonzero(a == ord(","))
    if len(positions) == 2 * n:
        commas = positions.reshape(n, 2)
        if (commas[:, 0] >= starts).all() and (commas[:, 1] < ends).all():
            return commas, np.zeros(n, bool)
    line_of = np.searchsorted(ends, positions)
    bad = np.bincount(line_of, minlength=n) != 2
    commas = np.repeat(starts[:, None], 2, axis=1)
    commas[~bad] = positions[~bad[line_of]].reshape(-1, 2)
    return commas, bad


def _byte(words: np.ndarray, i: int) -> np.ndarray:
    return (words >> (8 * i)) & 0xFF


def _digit(words: np.ndarray, i: int) -> np.ndarray:
    """The value of the digit in byte i (the byte is known to be a digit)."""
    return ((words >> (8 * i)) & 0x0F).astype(np.int64)


def _store_ids_ok(words: np.ndarray, s: np.ndarray, e: np.ndarray, max_bytes: int) -> np.ndarray:
    first, last = _byte(words[s], 0), _byte(words[e - 1], 0)
    return (e > s) & (e - s <= max_bytes) & (first != 32) & (first != 9) & (last != 32) & (last != 9)


def _statuses(words: np.ndarray, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which statuses are exactly `active` or `inactive`, and which are in any case. Setting bit 0x20 of every
    byte lowercases ASCII letters, and a byte that becomes a lowercase letter that way was that letter in one case
    or the other."""
    status, length = words[s], e - s
    six, eight = length == 6, length == 8
    exact = (six & ((status & _LOW_6_BYTES) == _ACTIVE)) | (eight & (status == _INACTIVE))
    lowered = status | _LOWERCASE_BIT
    return exact, (six & ((lowered & _LOW_6_BYTES) == _ACTIVE)) | (eight & (lowered == _INACTIVE))


def _timestamps(block: bytes, words: np.ndarray, s: np.ndarray, e: np.ndarray,
                bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which timestamps are accepted, and their UTC day numbers."""
    ok = np.zeros(len(s), bool)
    days = np.zeros(len(s), np.int64)
    widths = e - s
    candidates = ~bad & (widths >= _MIN_WIDTH) & (widths <= _MAX_WIDTH)
    for width in np.flatnonzero(np.bincount(widths[candidates], minlength=_MAX_WIDTH + 1)).tolist():
        rows = np.flatnonzero(candidates & (widths == width))
        first = int(s[rows[0]])
        template = block[first:first + width].translate(_DIGITS_TO_ZERO)
        if not SHAPE.fullmatch(template):
            continue
        at = s[rows]
        matches = np.ones(len(rows), bool)
        for offset, literal, expected, low, six, carry in _template_words(template):
            word = words[at + offset]
            # Literal bytes equal; digit bytes 0x30..0x39: high nibble 3, and low nibble + 6 does not carry.
            matches &= ((word & literal) == expected) & ((((word & low) + six) & carry) == 0)
        date, time_of_day = words[at], words[at + 8]  # `YYYY-MM-` and `DD HH:MM`
        year = _digit(date, 0) * 1000 + _digit(date, 1) * 100 + _digit(date, 2) * 10 + _digit(date, 3)
        month, day = _digit(date, 5) * 10 + _digit(date, 6), _digit(time_of_day, 0) * 10 + _digit(time_of_day, 1)
        hour, minute = _digit(time_of_day, 3) * 10 + _digit(time_of_day, 4), _digit(time_of_day, 6) * 10 + _digit(
            time_of_day, 7)
        offset_ok, offset_minutes = _offsets(template, words, at)
        ok[rows] = (matches & _real_date(year, month, day) & (hour <= 23) & (minute <= 59)
                    & (_digit(words[at + 16], 1) <= 5) & offset_ok)
        # An offset can move the instant into the day before or after.
        utc_minute = hour * 60 + minute - offset_minutes
        days[rows] = days_from_civil(year, month, day) + (utc_minute >= 1440).astype(np.int64) - (utc_minute < 0)
    return ok, days


@functools.lru_cache(maxsize=64)
def _template_words(template: bytes) -> list[tuple[int, int, int, int, int, int]]:
    """For each 8-byte word of a template (the last one overlapping its neighbour): its offset and the masks that
    check a word of text against it."""
    words = []
    for offset in sorted({*range(0, len(template) - 7, 8), len(template) - 8}):
        literal = expected = low = six = carry = 0
        for i, char in enumerate(template[offset:offset + 8]):
            if char == ord("0"):
                literal |= 0xF0 << 8 * i
                expected |= 0x30 << 8 * i
                low |= 0x0F << 8 * i
                six |= 0x06 << 8 * i
                carry |= 0xF0 << 8 * i
            else:
                literal |= 0xFF << 8 * i
                expected |= char << 8 * i
        words.append((offset, literal, expected, low, six, carry))
    return words


def _real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """A year from 1000 and a day that exists in its month."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid_month = (month >= 1) & (month <= 12)
    days_in_month = _DAYS_IN_MONTH[np.where(valid_month, month, 0)] + (leap & (month == 2))
    return (year >= 1000) & valid_month & (day >= 1) & (day <= days_in_month)


def _offsets(template: bytes, words: np.ndarray, at: np.ndarray) -> tuple[np.ndarray | bool, np.ndarray | int]:
    """Whether a numeric offset is at most 15 hours and 59 minutes (as PostgreSQL accepts), and the offset in
    minutes east of UTC (0 for none, `Z` or ` UTC`)."""
    sign = max(template.rfind(b"+"), template.rfind(b"-"))
    if sign < _MIN_WIDTH:
        return True, 0
    offset = words[at + sign]  # sign, HH, then MM or :MM or nothing
    hours = _digit(offset, 1) * 10 + _digit(offset, 2)
    minutes_at = 4 if template[sign + 3:sign + 4] == b":" else 3
    has_minutes = sign + minutes_at < len(template)
    minutes = _digit(offset, minutes_at) * 10 + _digit(offset, minutes_at + 1) if has_minutes else 0
    east = 1 if template[sign] == ord("+") else -1
    return (hours <= 15) & (minutes <= 59), east * (hours * 60 + minutes)
