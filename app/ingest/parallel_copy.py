"""The fast path: a file split into byte ranges at line ends, each streamed by its own connection with COPY
(what timescaledb-parallel-copy does), into that connection's temporary `raw_lines` table. The file is read
in blocks and never held in memory."""

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.db.queries import queries

BLOCK = 1 << 20
# raw_lines is loaded as CSV with one field per line: these two bytes are the delimiter and quote, so they must
# not appear in the data (a line containing them is garbage anyway and fails validation as '?').
_CONTROL = bytes.maketrans(b"\x01\x02", b"??")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int


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


async def _blocks(path: Path, byte_range: ByteRange, on_bytes: Callable[[int], None], counter: list[int]
                  ) -> AsyncIterator[bytes]:
    def read_blocks():
        with path.open("rb") as f:
            f.seek(byte_range.start)
            remaining = byte_range.end - byte_range.start
            while remaining > 0:
                block = f.read(min(BLOCK, remaining))
                if not block:
                    break
                remaining -= len(block)
                yield block

    reader = read_blocks()
    last = b""
    while True:
        block = await asyncio.to_thread(next, reader, None)
        if block is None:
            break
        counter[0] += block.count(b"\n")
        last = block
        on_bytes(len(block))
        # A bare CR is never data; dropping all of them makes CRLF files and mixed endings load alike.
        yield block.translate(_CONTROL, b"\r")
    if last and not last.endswith(b"\n"):
        counter[0] += 1  # a last line without a newline
        yield b"\n"


async def copy_range(conn: asyncpg.Connection, path: Path, byte_range: ByteRange,
                     on_bytes: Callable[[int], None] = lambda n: None) -> int:
    """COPY one byte range into this connection's raw_lines (emptied first). Returns the number of lines."""
    await conn.execute(queries["create_raw_lines"])
    await conn.execute(queries["reset_raw_lines"])
    counter = [0]
    await conn.copy_to_table(
        "raw_lines", source=_blocks(path, byte_range, on_bytes, counter), columns=["raw"],
        format="csv", delimiter="\x01", quote="\x02",
    )
    return counter[0]


def default_workers() -> int:
    return max(os.cpu_count() or 2, 2)
