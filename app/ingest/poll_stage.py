"""Staging the polls file: its byte ranges are COPYed concurrently, one connection each (what
timescaledb-parallel-copy does), straight into the typed columns of staging.poll through PollCheck, which drops the
bad lines and records them with their line number."""

import asyncio
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from tqdm import tqdm

from app.errors import IngestError
from app.ingest.limits import LineLimits
from app.ingest.parallel_copy import ByteRange, acquired, copy_range, split_ranges
from app.ingest.poll_check import PollCheck, PollLayout
from app.ingest.sources import Header

_COPY_LINE = re.compile(r"\bline (\d+)")


@dataclass
class StagedPolls:
    file_name: str
    checks: list[PollCheck]  # one per byte range, in file order

    @property
    def staged(self) -> int:
        return sum(c.result.copied for c in self.checks)

    @property
    def rejected(self) -> int:
        return sum(c.result.rejects.count for c in self.checks)

    @property
    def days(self) -> Counter[int]:
        """Staged polls per UTC day (days since 1970-01-01)."""
        return sum((c.days for c in self.checks), Counter())

    def reject_records(self) -> Iterator[tuple[str, int, str, str]]:
        """(file, line, reason, raw) with the line number in the file."""
        first_line = 1  # the header
        for check in self.checks:
            for line, reason, raw in check.result.rejects:
                yield self.file_name, first_line + line, reason, raw
            first_line += check.result.lines

    def close(self) -> None:
        for check in self.checks:
            check.result.rejects.close()


async def stage_polls(pool: asyncpg.Pool, path: Path, name: str, header: Header, workers: int, progress: bool,
                      limits: LineLimits) -> StagedPolls:
    """`name`: the file's name in the rejects."""
    layout = PollLayout.from_header(header)
    ranges = split_ranges(path, header.data_offset, workers)
    bar = tqdm(total=path.stat().st_size - header.data_offset, unit="B", unit_scale=True, desc=path.name,
               disable=not progress, leave=False)
    try:
        async with acquired(pool, len(ranges)) as conns:
            # Every range runs to its end before a failure is raised, so no connection goes back mid-COPY.
            outcomes = await asyncio.gather(*(_copy_poll_range(c, path, r, layout, limits, bar.update)
                                              for c, r in zip(conns, ranges)), return_exceptions=True)
    finally:
        bar.close()
    checks = [c for c in outcomes if isinstance(c, PollCheck)]
    if failure := next((c for c in outcomes if isinstance(c, BaseException)), None):
        for check in checks:
            check.result.rejects.close()
        raise failure
    return StagedPolls(name, checks)


async def _copy_poll_range(conn: asyncpg.Connection, path: Path, byte_range: ByteRange, layout: PollLayout,
                           limits: LineLimits, on_bytes: Callable[[int], None]) -> PollCheck:
    check = PollCheck(layout, limits)
    try:
        await copy_range(conn, "poll", layout.copy_columns, path, byte_range, check, on_bytes, schema="staging")
    except asyncpg.DataError as exc:
        # PollCheck lets through only lines COPY accepts; should one still be refused, the file fails as a whole
        # (the COPY stored nothing), and the error names the line.
        where = _COPY_LINE.search(exc.context or "")
        line = f" line {_lines_before(path, byte_range.start) + check.source_line(int(where[1]))}:" if where else ""
        raise IngestError(f"{path}:{line} PostgreSQL refused a row that passed the checks: {exc}") from exc
    return check


def _lines_before(path: Path, offset: int) -> int:
    lines = 0
    with path.open("rb") as f:
        while offset > 0 and (block := f.read(min(1 << 20, offset))):
            lines += block.count(b"\n")
            offset -= len(block)
    return lines
