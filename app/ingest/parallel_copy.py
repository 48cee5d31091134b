"""The fast path: a file split into byte ranges at line ends, each streamed by its own connection with
`COPY ... FROM STDIN (FORMAT csv)` (what timescaledb-parallel-copy does). The file is read in blocks, never held
in memory; every block goes through a checker (see landing_check.py and poll_check.py) that passes good lines on
untouched and records the bad ones with their line number within the range."""

import asyncio
import csv
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

import asyncpg

BLOCK = 1 << 20


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


SHOWN_BYTES = 1000  # of a rejected line, in the rejects file


def printable(raw: bytes) -> str:
    """A rejected line as text that PostgreSQL stores: invalid UTF-8 and NUL become U+FFFD; a long line is cut."""
    cut = len(raw) > SHOWN_BYTES
    text = raw[:SHOWN_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return text + "…" if cut else text


class RejectLog:
    """The rejected lines of one byte range as (line within the range, reason, raw line), kept in a temporary file
    past 1 MB: a file of nothing but bad lines must not end up in memory either."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        self.count = 0

    def add(self, line: int, reason: str, raw: str) -> None:
        self._writer.writerow((line, reason, raw))
        self.count += 1

    def __iter__(self) -> Iterator[tuple[int, str, str]]:
        self._file.seek(0)
        for line, reason, raw in csv.reader(self._file):
            yield int(line), reason, raw
        self._file.seek(0, os.SEEK_END)

    def close(self) -> None:
        self._file.close()


@dataclass
class RangeLoad:
    """What a checker saw in one byte range: its line count and its rejected lines."""

    lines: int = 0
    rejects: RejectLog = field(default_factory=RejectLog)
    copied: int = 0  # rows the COPY stored


class BlockCheck(Protocol):
    result: RangeLoad

    @property
    def max_line_bytes(self) -> int:
        """Longer lines are rejected (see read_line_blocks)."""

    def check(self, block: bytes) -> bytes:
        """The lines of `block` (whole lines, each ending in a newline) to send to COPY."""


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
            line_start = _next_line_start(f, target)
            if line_start >= size:
                break
            if line_start > bounds[-1]:
                bounds.append(line_start)
    bounds.append(size)
    return [ByteRange(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _next_line_start(f: BinaryIO, offset: int) -> int:
    """The offset just after the first newline at or after `offset` (the file's size when there is none), read
    block by block: a line may be longer than memory allows."""
    f.seek(offset)
    while block := f.read(BLOCK):
        newline = block.find(b"\n")
        if newline >= 0:
            return offset + newline + 1
        offset += len(block)
    return offset


def read_line_blocks(path: Path, byte_range: ByteRange, max_line: int | None = None) -> Iterator[bytes]:
    """Blocks of whole lines, each ending in a newline (one is added after a last line without it), CRs dropped.
    A line longer than `max_line` bytes that spans blocks is cut to `max_line + 1` bytes (the checks reject it for
    its length), so that no line is ever held whole: memory stays bounded whatever the file holds."""
    with path.open("rb") as f:
        f.seek(byte_range.start)
        remaining = byte_range.end - byte_range.start
        carry = b""
        skipping = False  # the rest of a cut line, up to its newline, is read past
        while remaining > 0:
            block = f.read(min(BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            if skipping:
                newline = block.find(b"\n")
                if newline < 0:
                    continue
                block, skipping = block[newline:], False
            block = carry + block
            cut = block.rfind(b"\n") + 1
            if remaining > 0:
                carry, block = block[cut:], block[:cut]
                if max_line is not None and len(carry) > max_line:
                    carry = _without_cr(carry)
                    if len(carry) > max_line:
                        carry, skipping = carry[:max_line + 1], True
                if not block:
                    continue
            else:
                carry = b""
            yield _without_cr(block if block.endswith(b"\n") else block + b"\n")
        if carry:
            yield _without_cr(carry + b"\n")


def _without_cr(block: bytes) -> bytes:
    return block.replace(b"\r", b"") if b"\r" in block else block


async def _checked_blocks(path: Path, byte_range: ByteRange, checker: BlockCheck,
                          on_bytes: Callable[[int], None]) -> AsyncIterator[bytes]:
    reader = read_line_blocks(path, byte_range, checker.max_line_bytes)
    while True:
        block = await asyncio.to_thread(next, reader, None)
        if block is None:
            return
        on_bytes(len(block))
        checked = checker.check(block)
        if checked:
            yield checked


async def copy_range(conn: asyncpg.Connection, table: str, columns: list[str], path: Path, byte_range: ByteRange,
                     checker: BlockCheck, on_bytes: Callable[[int], None] = lambda n: None,
                     schema: str | None = None, force_not_null: list[str] | None = None) -> RangeLoad:
    """COPY one byte range into `table` through `checker`; returns the checker's result with the rows stored."""
    status = await conn.copy_to_table(
        table, schema_name=schema, source=_checked_blocks(path, byte_range, checker, on_bytes), columns=columns,
        format="csv", force_not_null=force_not_null,
    )
    checker.result.copied = int(status.split()[-1])
    return checker.result


@asynccontextmanager
async def acquired(pool: asyncpg.Pool, count: int) -> AsyncIterator[list[asyncpg.Connection]]:
    """`count` connections of the pool, released on exit."""
    conns = []
    try:
        for _ in range(count):
            conns.append(await pool.acquire())
        yield conns
    finally:
        for c in conns:
            await pool.release(c)


def default_workers() -> int:
    """One connection more than cores: a core stays busy while a connection waits for the client. Measured on 2
    cores with the default sample: as fast as 2 workers on an otherwise idle machine, about a quarter faster when
    other work competes for the cores; 4 were no faster than 3."""
    return (os.cpu_count() or 1) + 1
