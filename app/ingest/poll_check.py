"""Checking the polls file on its way to COPY, so that it can be COPYed straight into staging.poll's typed
columns (text, poll_status, timestamptz): PostgreSQL converts every value while it parses the line, in one pass,
and never sees a row it would refuse (a refused row would abort the whole COPY).

A line is accepted when it is no longer than the line limit, store_id is non-empty (blanks, i.e. spaces and tabs,
around it are dropped) and no longer than its limit, status is `active` or `inactive` in any case with any blanks
around it, and timestamp_utc is `YYYY-MM-DD HH:MM:SS[.ffffff]` with a space or `T`, then nothing, ` UTC`, `Z` or a
numeric offset, holding a real calendar date and time whose UTC day lies in the accepted years (the limits:
app/ingest/limits.py). A block (about 1 MB, ~13 k lines) is checked with numpy, all lines at once (poll_block.py);
the lines that pass go to COPY untouched. The few others are looked at one by one here: a blank line is skipped, a
fixable one (`' Active '`, blanks around a store id, quotes) is rewritten in canonical form, anything else is
rejected with its reason. A block that is not valid UTF-8 or holds a NUL byte, and every block of a file with extra
columns (whose lines are rewritten without them), is checked line by line. Both ways accept exactly the same lines
(tests/ingest/test_checks.py). The checks also count the accepted polls per UTC day, from which the move into
store_status is planned. `check_each_line` is the whole check of any lines, whatever brings them."""

import calendar
import re
from array import array
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from app.ingest.csv_line import BLANKS, split_line
from app.ingest.limits import LineLimits
from app.ingest.parallel_copy import RangeLoad, is_utf8, printable
from app.ingest.poll_block import days_from_civil, flag_lines
from app.ingest.sources import Header

NAMES = ("store_id", "status", "timestamp_utc")
_TIMESTAMP = re.compile(
    r"(?P<year>[1-9][0-9]{3})-(?P<month>0[1-9]|1[0-2])-(?P<day>0[1-9]|[12][0-9]|3[01])[ T]"
    r"(?P<hour>[01][0-9]|2[0-3]):(?P<minute>[0-5][0-9]):[0-5][0-9](\.[0-9]{1,6})?"
    r"( ?(UTC|Z|(?P<sign>[+-])(?P<offset_hours>0[0-9]|1[0-5])(:?(?P<offset_minutes>[0-5][0-9]))?))?"
)


@dataclass(frozen=True)
class PollLayout:
    """Where the three columns are in the file's lines (0-based) and how many fields a line has."""

    columns: int
    positions: tuple[int, int, int]  # of store_id, status, timestamp_utc

    @classmethod
    def from_header(cls, header: Header) -> "PollLayout":
        store, status, timestamp = (header.positions[name] - 1 for name in NAMES)
        return cls(header.column_count, (store, status, timestamp))

    @property
    def copy_columns(self) -> list[str]:
        """The COPY column list: the three columns in the order they have in the file."""
        return [name for _, name in sorted(zip(self.positions, NAMES))]

    @property
    def only_needed_columns(self) -> bool:
        return self.columns == len(NAMES)


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def utc_day(timestamp: str) -> int | None:
    """The UTC day (days since 1970-01-01) of an accepted timestamp; None for any other text."""
    m = _TIMESTAMP.fullmatch(timestamp)
    if not m:
        return None
    year, month, day = int(m["year"]), int(m["month"]), int(m["day"])
    if day > calendar.monthrange(year, month)[1]:
        return None
    offset = 0
    if m["sign"]:
        offset = (1 if m["sign"] == "+" else -1) * (int(m["offset_hours"]) * 60 + int(m["offset_minutes"] or 0))
    utc_minute = int(m["hour"]) * 60 + int(m["minute"]) - offset
    return days_from_civil(year, month, day) + (utc_minute >= 1440) - (utc_minute < 0)


def is_timestamp(text: str) -> bool:
    return utc_day(text) is not None


@dataclass
class PollCheck:
    """The check of one byte range of the polls file, block after block (see parallel_copy.BlockCheck)."""

    layout: PollLayout
    limits: LineLimits = field(default_factory=LineLimits.from_settings)
    result: RangeLoad = field(default_factory=RangeLoad)
    dropped: array = field(default_factory=lambda: array("q"))  # range line numbers not sent to COPY, ascending
    days: Counter[int] = field(default_factory=Counter)  # accepted polls per UTC day (days since 1970-01-01)

    def __post_init__(self) -> None:
        self._order = sorted(range(3), key=lambda i: self.layout.positions[i])

    @property
    def max_line_bytes(self) -> int:
        return self.limits.max_line_bytes

    def check(self, block: bytes) -> bytes:
        if not self.layout.only_needed_columns or b"\x00" in block or not is_utf8(block):
            return self.check_each_line(block)
        ends, flagged, days, uppercase = flag_lines(block, self.layout.positions, self.limits)
        self._count_days(np.delete(days, flagged))
        if uppercase.size:
            lowered = np.frombuffer(block, np.uint8).copy()
            lowered[uppercase] |= 0x20
            block = lowered.tobytes()
        if not flagged.size:
            self.result.lines += len(ends)
            return block
        pieces, start, first_line = [], 0, self.result.lines
        for i in flagged.tolist():
            line_start = int(ends[i - 1]) + 1 if i else 0
            pieces.append(block[start:line_start])
            self.result.lines = first_line + i
            pieces.append(self._checked_line(block[line_start:int(ends[i])]))
            start = int(ends[i]) + 1
        pieces.append(block[start:])
        self.result.lines = first_line + len(ends)
        return b"".join(pieces)

    def check_each_line(self, block: bytes) -> bytes:
        """The accepted lines of `block` (whole lines, each ending in a newline; no CR) in canonical form."""
        return b"".join(self._checked_line(line) for line in block.split(b"\n")[:-1])

    def _count_days(self, days: np.ndarray) -> None:
        if days.size:
            first = int(days.min())
            counts = np.bincount(days - first)
            for day in np.flatnonzero(counts).tolist():
                self.days[first + day] += int(counts[day])

    def source_line(self, sent_line: int) -> int:
        """The range line number of the `sent_line`-th line (1-based) this checker passed to COPY."""
        line = sent_line
        for dropped in self.dropped:
            if dropped > line:
                break
            line += 1
        return line

    def _checked_line(self, raw: bytes) -> bytes:
        """The line in canonical form, or nothing when it is blank or rejected."""
        self.result.lines += 1
        fields = split_line(raw, self.limits.max_line_bytes)
        if fields is None:
            return self._drop()
        if isinstance(fields, str):
            return self._reject(raw, fields)
        if len(fields) != self.layout.columns:
            return self._reject(raw, f"wrong column count: expected {self.layout.columns}, got {len(fields)}")
        store_id, status, timestamp = (fields[p].strip(BLANKS) for p in self.layout.positions)
        if not store_id:
            return self._reject(raw, "empty store_id")
        if len(store_id.encode()) > self.limits.max_store_id_bytes:
            return self._reject(raw, self.limits.store_id_too_long())
        if status.lower() not in ("active", "inactive"):
            return self._reject(raw, f"status must be active or inactive, got {sql_literal(status)}")
        day = utc_day(timestamp)
        if day is None:
            return self._reject(raw, f"unparseable timestamp_utc {sql_literal(timestamp)}")
        if not self.limits.day_in_range(day):
            return self._reject(raw, f"timestamp_utc {sql_literal(timestamp)} outside the accepted range "
                                     f"{self.limits.years} UTC")
        self.days[day] += 1
        if any(c in store_id for c in ',"\n'):
            store_id = '"' + store_id.replace('"', '""') + '"'
        values = (store_id, status.lower(), timestamp)
        return (",".join(values[i] for i in self._order) + "\n").encode()

    def _reject(self, raw: bytes, reason: str) -> bytes:
        self.result.rejects.add(self.result.lines, reason, printable(raw))
        return self._drop()

    def _drop(self) -> bytes:
        self.dropped.append(self.result.lines)
        return b""
