"""Moving staged polls into store_status. The staged UTC days are split into contiguous time ranges of about equal
row counts, one part each; a part pipes `COPY (its new polls) TO STDOUT` on one connection into
`COPY store_status FROM STDIN` on another, and the parts are committed together by two-phase commit (or in one
transaction when there is one part or the server allows no prepared transactions). Each part also analyzes the
chunks it wrote, before it is prepared."""

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from app.db.queries import queries
from app.db.two_phase import run_in_parts
from app.ingest.parallel_copy import acquired

_COLUMNS = ["store_id", "status", "timestamp_utc"]
_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime  # exclusive


def split_days(day_counts: list[tuple[datetime, int]], parts: int) -> list[TimeRange]:
    """Contiguous ranges of whole days (ascending `day_counts`), at most `parts`, of about equal row counts: a
    range ends before the day whose middle lies past its share of the rows."""
    total = sum(count for _, count in day_counts)
    ranges: list[TimeRange] = []
    start, seen = day_counts[0][0], 0
    for day, count in day_counts:
        if len(ranges) < parts - 1 and day > start and seen + count / 2 > total * (len(ranges) + 1) / parts:
            ranges.append(TimeRange(start, day))
            start = day
        seen += count
    ranges.append(TimeRange(start, day_counts[-1][0] + _DAY))
    return ranges


async def _pipe_part(source: asyncpg.Connection, target: asyncpg.Connection, parts: list[TimeRange],
                     i: int, writer: str) -> int:
    """Part i of the move. The first and last parts also take any staged poll before or after all the days: none
    should be there, but none can be left behind either."""
    part = parts[i]
    # The move writes polls of the parts' days only (the days were counted from the staged polls themselves),
    # which is what store_status's trigger records for the status change summary.
    await target.execute(queries["set_poll_range"], parts[0].start, parts[-1].end)
    await target.execute(queries["set_writer"], writer)
    staged_from = part.start if i > 0 else None
    staged_to = part.end if i < len(parts) - 1 else None
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=16)

    async def produce() -> None:
        try:
            async with source.transaction():
                await source.execute(queries["move_part_settings"])
                await source.copy_from_query(queries.for_copy("new_polls_in_range"), staged_from, staged_to, part.start,
                                             part.end, output=chunks.put, format="binary")
        finally:
            await chunks.put(None)  # ends the target's COPY; a failure here is raised by `await producer` below

    async def consume():
        while (chunk := await chunks.get()) is not None:
            yield chunk

    producer = asyncio.create_task(produce())
    try:
        status = await target.copy_to_table("store_status", source=consume(), columns=_COLUMNS, format="binary")
        await producer
    finally:
        producer.cancel()
    added = int(status.split()[-1])
    if not added:  # nothing changed: the summary need not be made again for this part's COPY
        await target.execute(queries["forget_own_writes"])
    if added:
        # Statistics of the part's chunks, in its own transaction: ANALYZE counts the transaction's own new rows,
        # the statistics commit with them, and a part that finishes early analyzes while the others still insert.
        await target.execute(queries["analyze_poll_chunks"], part.start, part.end)
    return added


async def plan_move(conn: asyncpg.Connection, workers: int, days: Counter[int], staged: int) -> list[TimeRange]:
    """The parts of the move (none when nothing is staged), after creating the chunks they need. `days` counts the
    staged polls per UTC day, as the line checks saw them; should they not add up to what COPY stored, the days
    are counted again in SQL."""
    if sum(days.values()) == staged:
        day_counts = [(_EPOCH + timedelta(days=day), count) for day, count in sorted(days.items())]
    else:
        day_counts = [(r["day"], r["polls"]) for r in await conn.fetch(queries["staged_poll_days"])]
    if not day_counts:
        return []
    day_starts = [day for day, _ in day_counts]
    async with conn.transaction():
        await conn.execute(queries["set_poll_range"], day_starts[0], day_starts[-1] + _DAY)
        await conn.execute(queries["create_poll_chunks"], day_starts)
        await conn.execute(queries["remove_chunk_markers"], day_starts)
        # The markers come and go unseen: no poll changed (a new chunk is summarized for being new).
        await conn.execute(queries["forget_own_writes"])
    max_parts = await conn.fetchval(queries["max_prepared_transactions"])
    return split_days(day_counts, max(1, min(workers, max_parts)))


async def move_polls(conn: asyncpg.Connection, pool: asyncpg.Pool, parts: list[TimeRange], writer: str) -> int:
    """Adds the staged polls that store_status does not hold yet, all parts or none; returns how many. The writes
    are named `writer` for the summary's upkeep (app/summary/absorb.py)."""
    if not parts:
        return 0
    async with acquired(pool, len(parts)) as sources:
        if len(parts) == 1:
            async with conn.transaction():
                return await _pipe_part(sources[0], conn, parts, 0, writer)
        async with acquired(pool, len(parts)) as targets:
            return await run_in_parts(conn, targets,
                                      lambda target, i: _pipe_part(sources[i], target, parts, i, writer))
