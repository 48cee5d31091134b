"""The fast path: a file split into byte ranges at line ends, each streamed by its own connection with
`COPY ... FROM STDIN (FORMAT csv)` (what timescaledb-parallel-copy does) into that connection's temporary
landing table, whose identity column numbers the lines. The file is read in blocks, never held in memory.

PostgreSQL's CSV parser does the splitting, but a line with the wrong number of fields would abort the whole
COPY. So each block is checked first: a block without quotes whose comma count is exactly (columns - 1) per
line goes through untouched (the common case, two C-level scans); otherwise its lines are checked one by one
and each bad line is replaced by a marker row (so line numbers stay aligned) and reported."""

import asyncio
import csv
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

BLOCK = 1 << 20
MARKER = "\x01"  # the value of every field of a line rejected before COPY; never found in real data
_SCRUB = bytes.maketrans(b"\x01", b"?")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int


@dataclass
class RangeLoad:
    lines: int = 0
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # (line within range, reason, raw)


def split_ranges(path: Path, data_offset: int, parts: int) -> list[ByteRange]:
    """Up to `parts` ranges covering [data_offset, size), each ending just after a newline (or at EOF)."""
    size = path.stat().st_size
    if size <= data_offset:
        return []
    bounds = [data_offset]
    with path.open("rb") as f:
        for i in range(1, parts):
            target = data_offset + (size - data_offset) * i // parts
            if target <= bounds[-1]:
                continue
            f.seek(target)
            f.readline()
            if f.tell() >= size:
                break
            if f.tell() > bounds[-1]:
                bounds.append(f.tell())
    bounds.append(size)
    return [ByteRange(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _read_lines_blocks(path: Path, byte_range: ByteRange):
    """Blocks of whole lines (the last one may lack its newline), CRs dropped."""
    with path.open("rb") as f:
        f.seek(byte_range.start)
        remaining = byte_range.end - byte_range.start
        carry = b""
        while remaining > 0:
            block = f.read(min(BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            block = carry + block
            cut = block.rfind(b"\n") + 1
            if cut == 0 and remaining > 0:
                carry = block
                continue
            carry = block[cut:] if remaining > 0 else b""
            yield (block[:cut] if remaining > 0 else block).replace(b"\r", b"")
        if carry:
            yield carry.replace(b"\r", b"")


class _BlockChecker:
    def __init__(self, columns: int, result: RangeLoad):
        self.columns = columns
        self.result = result
        self.marker = (",".join([MARKER] * columns) + "\n").encode()

    def check(self, block: bytes) -> bytes:
        newlines = block.count(b"\n")
        if not block.endswith(b"\n"):
            block += b"\n"
            newlines += 1
        if b'"' not in block and b"\x01" not in block and block.count(b",") == (self.columns - 1) * newlines \
                and b"\n\n" not in block and not block.startswith(b"\n"):
            self.result.lines += newlines
            return block
        return b"".join(self._check_line(line) for line in block[:-1].split(b"\n"))

    def _check_line(self, line: bytes) -> bytes:
        self.result.lines += 1
        line = line.translate(_SCRUB)
        if not line.strip():
            return self.marker  # a blank line: skipped, not an error
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
        self.result.rejects.append((self.result.lines, reason, line.decode("utf-8", errors="replace")))
        return self.marker


async def _checked_blocks(path: Path, byte_range: ByteRange, checker: _BlockChecker,
                          on_bytes: Callable[[int], None]) -> AsyncIterator[bytes]:
    reader = _read_lines_blocks(path, byte_range)
    while True:
        block = await asyncio.to_thread(next, reader, None)
        if block is None:
            return
        on_bytes(len(block))
        yield checker.check(block)


async def copy_range(conn: asyncpg.Connection, table: str, columns: list[str], path: Path, byte_range: ByteRange,
                     on_bytes: Callable[[int], None] = lambda n: None) -> RangeLoad:
    """COPY one byte range into `table` (a temporary landing table, emptied by the caller)."""
    result = RangeLoad()
    checker = _BlockChecker(len(columns), result)
    await conn.copy_to_table(
        table, source=_checked_blocks(path, byte_range, checker, on_bytes), columns=columns,
        format="csv", force_not_null=columns,
    )
    return result


def default_workers() -> int:
    return max(os.cpu_count() or 2, 2)
