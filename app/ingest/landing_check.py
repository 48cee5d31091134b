"""The block check for the small files (hours, timezones), which are COPYed as text into a landing table and
validated in SQL. PostgreSQL's CSV parser does the splitting, but a line with the wrong number of fields would abort
the whole COPY. So each block is checked first: a block without quotes whose lines all have exactly (columns - 1)
commas goes through untouched; otherwise its lines are checked one by one and each bad line is replaced by a marker
row (so the landing table's line numbers stay aligned) and reported."""

import csv

from app.ingest.parallel_copy import RangeLoad, is_utf8, printable

MARKER = "\x01"  # the value of every field of a line rejected before COPY; never found in real data
_SCRUB = bytes.maketrans(b"\x01", b"?")


class ColumnCountCheck:
    def __init__(self, columns: int):
        self.columns = columns
        self.result = RangeLoad()
        self.marker = (",".join([MARKER] * columns) + "\n").encode()

    def check(self, block: bytes) -> bytes:
        lines = block.split(b"\n")[:-1]
        if b'"' not in block and b"\x01" not in block and b"\x00" not in block and is_utf8(block) \
                and all(line.count(b",") == self.columns - 1 and line.strip() for line in lines):
            self.result.lines += len(lines)
            return block
        return b"".join(self._check_line(line) for line in lines)

    def _check_line(self, line: bytes) -> bytes:
        self.result.lines += 1
        line = line.translate(_SCRUB)
        if not line.strip():
            return self.marker  # a blank line: skipped, not an error
        if not is_utf8(line):
            return self._reject(line, "not valid UTF-8")
        if b"\x00" in line:
            return self._reject(line, "NUL character")
        if b'"' in line:
            if line.count(b'"') % 2:
                return self._reject(line, "unbalanced double quote")
            fields = len(next(csv.reader([line.decode("utf-8", errors="replace")])))
        else:
            fields = line.count(b",") + 1
        if fields != self.columns:
            return self._reject(line, f"wrong column count: expected {self.columns}, got {fields}")
        return line + b"\n"

    def _reject(self, line: bytes, reason: str) -> bytes:
        self.result.rejects.add(self.result.lines, reason, printable(line))
        return self.marker

