"""Keeps the status change summary true after anyone's writes: summarizes again every chunk of store_status written
since it was last summarized (or, when only INSERTs may have touched it, confirms by a count that none did), forgets
the summaries of dropped chunks, drops the pending-write rows no chunk needs any more, and sets the registry's latest
state of every store. The report engine runs it before a report that finds the summary stale, `python -m app
summarize` on demand; a report is exact either way (it reads the polls of stale chunks itself), only slower."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.db.queries import queries
from app.summary.lock import summary_lock, summary_lock_if_free

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
    skipped: bool = False  # another writer held the summary: nothing done

    def __str__(self) -> str:
        return (f"{self.chunks} chunk(s) summarized ({self.changes:,} rows), {self.confirmed} found untouched, "
                f"{self.dropped} dropped chunk(s) forgotten, {self.seconds:.1f} s")


SummarizeAll = Callable[[list[asyncpg.Record], Refresh], Awaitable[None]]


async def stale_from(conn: asyncpg.Connection, as_of: datetime) -> datetime:
    """Where the summary stops being usable for a report as of `as_of` (INFINITY: nowhere)."""
    return await conn.fetchval(queries["summary_stale_from"], as_of)


async def _summarize(conn: asyncpg.Connection, chunk: asyncpg.Record) -> int | None:
    """Summarize one chunk again, or confirm it unchanged (None). Returns the rows written. Each statement reads
    and records in one snapshot, so READ COMMITTED is right (chunks are summarized side by side)."""
    async with conn.transaction():
        span = chunk["chunk"], chunk["range_start"], chunk["range_end"]
        if await conn.fetchval(queries["confirm_chunk_unchanged"], *span):
            return None
        return await conn.fetchval(queries["summarize_chunk"], *span)


async def _refresh(lock_conn: asyncpg.Connection, summarize_all: SummarizeAll) -> Refresh:
    """Under the summary lock (held on lock_conn): forget dropped chunks, summarize stale ones with
    `summarize_all(chunks, result)`, forget settled writes, set the registry's latest states."""
    started = time.perf_counter()
    result = Refresh()
    result.dropped = await lock_conn.fetchval(queries["forget_dropped_chunks"])
    todo = [c for c in await lock_conn.fetch(queries["stale_summary_chunks"]) if c["chunk"] is not None]
    if todo:
        await summarize_all(todo, result)
    await lock_conn.execute(queries["forget_settled_writes"])
    if result.chunks or result.dropped:
        await lock_conn.execute(queries["refresh_polled_stores"])
    if result.changes >= _VACUUM_AFTER or result.dropped:
        # The visibility map (index-only scans) and statistics now; after a small refresh autovacuum will do.
        await lock_conn.execute(queries["vacuum_summary"])
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

    # Every worker runs to its end before a failure is raised: no connection goes back to the pool mid-statement.
    outcomes = await asyncio.gather(*(work(c) for c in conns), return_exceptions=True)
    if failure := next((o for o in outcomes if isinstance(o, BaseException)), None):
        raise failure


def _on_pool(pool: asyncpg.Pool, workers: int) -> SummarizeAll:
    async def summarize_all(chunks: list[asyncpg.Record], result: Refresh) -> None:
        # Taken only once the lock is held, so a refresh waiting for another holds one connection.
        conns = [await pool.acquire() for _ in range(max(1, min(workers, len(chunks))))]
        try:
            await _summarize_on(conns, chunks, result)
        finally:
            for conn in conns:
                await pool.release(conn)
    return summarize_all


async def refresh_summary(pool: asyncpg.Pool, workers: int = 2, *, wait: bool = True) -> Refresh:
    """Bring the summary up to date, summarizing chunks on up to `workers` connections of the pool at once. With
    wait=False, a summary another writer is busy with is left alone (Refresh.skipped)."""
    async with pool.acquire() as lock_conn:
        if wait:
            async with summary_lock(lock_conn):
                return await _refresh(lock_conn, _on_pool(pool, workers))
        async with summary_lock_if_free(lock_conn) as held:
            if not held:
                return Refresh(skipped=True)
            return await _refresh(lock_conn, _on_pool(pool, workers))


async def refresh_summary_on(conn: asyncpg.Connection) -> Refresh:
    """The same on one connection, chunk after chunk."""
    async with summary_lock(conn):
        return await _refresh(conn, lambda chunks, result: _summarize_on([conn], chunks, result))
