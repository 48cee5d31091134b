"""The line check of the small files (hours, timezones, special hours), which are COPYed as text into a landing
table and validated in SQL. Each line is read here first (csv_line.split_line: length, UTF-8, NUL, quotes) and its
fields counted, and goes to COPY in canonical form, every field quoted, after its line number in the file: COPY then
never meets a line it would refuse or read otherwise (a refused line would abort the whole COPY), the landing
table's rows carry their own line numbers, and a rejected line is simply left out."""

from app.ingest.csv_line import split_line
from app.ingest.limits import LineLimits
from app.ingest.parallel_copy import RangeLoad, printable


class LandingCheck:
    def __init__(self, columns: int, limits: LineLimits, first_line: int = 1):
        self.columns = columns
        self.limits = limits
        self.first_line = first_line  # the line before the range's first (the header)
        self.result = RangeLoad()

    @property
    def max_line_bytes(self) -> int:
        return self.limits.max_line_bytes

    def check(self, block: bytes) -> bytes:
        return b"".join(self._checked_line(line) for line in block.split(b"\n")[:-1])

    def _checked_line(self, raw: bytes) -> bytes:
        self.result.lines += 1
        fields = split_line(raw, self.limits.max_line_bytes)
        if fields is None:
            return b""
        if isinstance(fields, str):
            return self._reject(raw, fields)
        if len(fields) != self.columns:
            return self._reject(raw, f"wrong column count: expected {self.columns}, got {len(fields)}")
        quoted = ",".join('"' + f.replace('"', '""') + '"' for f in fields)
        return f"{self.first_line + self.result.lines},{quoted}\n".encode()

    def _reject(self, raw: bytes, reason: str) -> bytes:
        self.result.rejects.add(self.result.lines, reason, printable(raw))
        return b""
