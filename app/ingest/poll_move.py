"""Moving staged polls into store_status: one part per UTC-day partition, each part piping
`COPY (new polls of the part) TO STDOUT` on one connection into `COPY store_status FROM STDIN` on another,
the parts committed together by two-phase commit (or in one transaction when the server allows none)."""

import asyncio

import asyncpg

from app.db.queries import queries
from app.ingest.two_phase import run_in_parts

_COLUMNS = ["store_id", "status", "timestamp_utc"]


async def _pipe_part(source: asyncpg.Connection, target: asyncpg.Connection, part: int, parts: int,
                     lo, hi) -> int:
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=16)

    async def produce() -> None:
        async with source.transaction():
            await source.execute("set local enable_hashagg = off")  # see new_polls_of_part
            await source.copy_from_query(queries["new_polls_of_part"], part, parts, lo, hi,
                                         output=chunks.put, format="binary")
        await chunks.put(None)

    async def consume():
        while (chunk := await chunks.get()) is not None:
            yield chunk

    producer = asyncio.create_task(produce())
    try:
        status = await target.copy_to_table("store_status", source=consume(), columns=_COLUMNS, format="binary")
        await producer
    finally:
        producer.cancel()
    return int(status.split()[-1])


async def move_polls(conn: asyncpg.Connection, pool: asyncpg.Pool, workers: int) -> int:
    """Returns the number of polls added."""
    async with conn.transaction():
        markers = [r["timestamp_utc"] for r in await conn.fetch(queries["create_poll_chunks"])]
        await conn.execute(queries["delete_chunk_markers"], markers)
    lo, hi = await conn.fetchrow(queries["staged_poll_bounds"])
    if lo is None:
        return 0
    parts = max(1, min(workers, await conn.fetchval(queries["max_prepared_transactions"])))
    sources = [await pool.acquire() for _ in range(parts)]
    targets = [await pool.acquire() for _ in range(parts)] if parts > 1 else []
    try:
        if parts == 1:
            async with conn.transaction():
                return await _pipe_part(sources[0], conn, 0, 1, lo, hi)
        by_target = dict(zip(map(id, targets), sources))
        return await run_in_parts(
            conn, targets, lambda target, part, n: _pipe_part(by_target[id(target)], target, part, n, lo, hi)
        )
    finally:
        for c in sources + targets:
            await pool.release(c)
