"""Keeps the status change summary (status_change; sql/migrations/006_status_change.sql) true: summarizes again
every chunk of store_status written since it was last summarized (or, when only INSERTs may have touched it,
confirms by a count that none did), forgets the summaries of dropped chunks, and
drops the pending-write rows no chunk needs any more. The loader runs it after each load and the report engine
before a report that finds the summary stale; the report is exact either way (it reads the polls of stale chunks
itself), only slower."""

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.db.queries import queries

_LOCK_KEY = 0x5709E_0003  # one refresh at a time; a second waits, then finds little or nothing to do
_VACUUM_AFTER = 10_000  # rows summarized
STALE_SUMMARY = "SP001"  # SQLSTATE of status_change_assert_usable_v1: the summary went stale under a statement
# asyncpg's values for PostgreSQL's infinite timestamps (naive datetimes it maps both ways).
INFINITY, MINUS_INFINITY = datetime.max, datetime.min


@dataclass
class Refresh:
    chunks: int = 0  # chunks summarized
    confirmed: int = 0  # chunks found untouched by the writes pending (a count of their polls)
    changes: int = 0  # rows written to status_change
    dropped: int = 0  # summaries of dropped chunks forgotten
    seconds: float = 0.0


async def stale_from(conn: asyncpg.Connection, as_of: datetime) -> datetime:
    """Where the summary stops being usable for a report as of `as_of` (INFINITY: nowhere)."""
    return await conn.fetchval(queries["summary_stale_from"], as_of)


async def _summarize(conn: asyncpg.Connection, chunk: asyncpg.Record) -> int | None:
    """Summarize one chunk again, or confirm it unchanged (None). Returns the rows written."""
    # REPEATABLE READ: the count, the delete, the insert and the snapshot recorded all see the same writes.
    async with conn.transaction(isolation="repeatable_read"):
        await conn.execute(queries["summary_chunk_settings"])
        span = chunk["range_start"], chunk["range_end"]
        polls = await conn.fetchval(queries["count_chunk_polls"], *span)
        if await conn.fetchval(queries["confirm_chunk_unchanged"], chunk["chunk"], *span, polls):
            return None
        await conn.execute(queries["clear_chunk_summary"], *span)
        return await conn.fetchval(queries["summarize_chunk"], chunk["chunk"], *span, polls)


async def _refresh(lock_conn: asyncpg.Connection, summarize_all) -> Refresh:
    """Under the refresh lock (taken on lock_conn): forget dropped chunks, summarize stale ones with
    `summarize_all(chunks, result)`, forget settled writes."""
    started = time.perf_counter()
    result = Refresh()
    await lock_conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
    try:
        result.dropped = await lock_conn.fetchval(queries["forget_dropped_chunks"])
        todo = [c for c in await lock_conn.fetch(queries["stale_summary_chunks"]) if c["chunk"] is not None]
        if todo:
            await summarize_all(todo, result)
        await lock_conn.execute(queries["forget_settled_writes"])
        if result.changes >= _VACUUM_AFTER or result.dropped:
            # The visibility map (index-only scans) and statistics now; after a small refresh autovacuum will do.
            await lock_conn.execute(queries["vacuum_summary"])
    finally:
        await lock_conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)
    result.seconds = time.perf_counter() - started
    return result


async def _summarize_on(conns: list[asyncpg.Connection], chunks: list[asyncpg.Record], result: Refresh) -> None:
    queue: asyncio.Queue[asyncpg.Record] = asyncio.Queue()
    for chunk in chunks:
        queue.put_nowait(chunk)

    async def work(conn: asyncpg.Connection) -> None:
        while not queue.empty():
            changes = await _summarize(conn, queue.get_nowait())
            if changes is None:
                result.confirmed += 1
            else:
                result.changes += changes
                result.chunks += 1

    await asyncio.gather(*(work(c) for c in conns))


async def refresh_summary(pool: asyncpg.Pool, workers: int = 2) -> Refresh:
    """Bring the summary up to date, summarizing chunks on up to `workers` more connections of the pool at once
    (taken only once the lock is held, so a refresh waiting for another holds one connection)."""
    async def summarize_all(chunks: list[asyncpg.Record], result: Refresh) -> None:
        conns = [await pool.acquire() for _ in range(max(1, min(workers, len(chunks))))]
        try:
            await _summarize_on(conns, chunks, result)
        finally:
            for conn in conns:
                await pool.release(conn)

    async with pool.acquire() as lock_conn:
        return await _refresh(lock_conn, summarize_all)


async def refresh_summary_on(conn: asyncpg.Connection) -> Refresh:
    """The same on one connection, chunk after chunk."""
    return await _refresh(conn, lambda chunks, result: _summarize_on([conn], chunks, result))
