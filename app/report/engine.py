"""Runs a report: its stores split into shards (ranges of store ids) computed concurrently on separate
connections by report_seconds_v2. Each shard's rows and its completion commit together, so running a report
again after a crash finishes only the shards that are missing and never duplicates a store. Before the shards,
the status change summary is brought up to date if a load made it stale (app/report/summary.py). This module
does not touch the report's status: the job layer (app/jobs) owns that."""

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg

from app.db.queries import queries
from app.errors import ReportNotFound
from app.report.summary import INFINITY, MINUS_INFINITY, STALE_SUMMARY, refresh_summary, stale_from

Progress = Callable[[int, int | None], Awaitable[None]]
_SUMMARY_ATTEMPTS = 3  # then a shard reads every poll: loads committing all the time must not stall a report

async def newest_poll(conn: asyncpg.Connection) -> datetime | None:
    return await conn.fetchval(queries["newest_poll"])


def _store_ids(parameters) -> list[str] | None:
    if isinstance(parameters, str):
        parameters = json.loads(parameters)
    ids = (parameters or {}).get("store_ids")
    return sorted(set(ids)) if ids else None


async def _shard_bounds(conn: asyncpg.Connection, shards: int, store_ids: list[str] | None
                        ) -> list[tuple[str | None, str | None]]:
    if store_ids is not None:
        step = max(1, -(-len(store_ids) // shards))
        cuts = [store_ids[i] for i in range(step, len(store_ids), step)]
    else:
        cuts = sorted(set(await conn.fetchval(queries["sample_store_bounds"], shards))) if shards > 1 else []
        if len(cuts) < shards - 1:
            cuts = sorted(set(await conn.fetchval(queries["exact_store_bounds"], shards)))
    edges = [None, *cuts, None]
    return list(zip(edges, edges[1:]))


async def plan_shards(conn: asyncpg.Connection, report_id: uuid.UUID, shards: int) -> list[asyncpg.Record]:
    """The report's shards, created on its first run and reused by every later one."""
    report = await conn.fetchrow(queries["report_to_run"], report_id)
    if report is None:
        raise ReportNotFound()
    existing = await conn.fetch(queries["report_shards"], report_id)
    if not existing:
        bounds = await _shard_bounds(conn, shards, _store_ids(report["parameters"]))
        await conn.execute(queries["create_report_shards"], report_id,
                           [lo for lo, _ in bounds], [hi for _, hi in bounds])
        existing = await conn.fetch(queries["report_shards"], report_id)
    return existing


async def summary_until(pool: asyncpg.Pool, as_of: datetime, workers: int) -> datetime:
    """How far a report as of `as_of` can read the status change summary, after summarizing again whatever a
    load made stale (INFINITY: all the way)."""
    async with pool.acquire() as conn:
        until = await stale_from(conn, as_of)
    if until != INFINITY:
        await refresh_summary(pool, workers)
        async with pool.acquire() as conn:
            until = await stale_from(conn, as_of)
    return until


async def run_report(pool: asyncpg.Pool, report_id: uuid.UUID, *, shards: int,
                     on_progress: Progress | None = None) -> int:
    """Compute every unfinished shard of the report; returns the report's number of rows."""
    async with pool.acquire() as conn:
        report = await conn.fetchrow(queries["report_to_run"], report_id)
        if report is None:
            raise ReportNotFound()
        plan = await plan_shards(conn, report_id, shards)
    as_of, store_ids = report["as_of"], _store_ids(report["parameters"])
    total: list[int | None] = [None]
    todo = [s for s in plan if s["finished_at"] is None]
    until = await summary_until(pool, as_of, shards) if todo else INFINITY

    async def count_stores() -> None:
        async with pool.acquire() as conn:
            try:
                total[0] = await conn.fetchval(queries["count_report_stores"], as_of, store_ids, until)
            except asyncpg.PostgresError as exc:
                if exc.sqlstate != STALE_SUMMARY:
                    raise
                # None: the statement finds how far the summary is usable itself.
                total[0] = await conn.fetchval(queries["count_report_stores"], as_of, store_ids, None)
            await conn.execute(queries["set_report_stores_total"], report_id, total[0])
        if on_progress:
            await on_progress(0, total[0])

    async def compute_once(shard: asyncpg.Record, summary_until: datetime) -> int | None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(queries["shard_settings"])
            return await conn.fetchval(queries["compute_report_shard"], report_id, shard["shard"], as_of,
                                       shard["store_from"], shard["store_to"], store_ids, summary_until)

    async def compute(shard: asyncpg.Record) -> None:
        shard_until = until
        for _ in range(_SUMMARY_ATTEMPTS):
            try:
                done = await compute_once(shard, shard_until)
                break
            except asyncpg.PostgresError as exc:
                if exc.sqlstate != STALE_SUMMARY:
                    raise
                shard_until = await summary_until(pool, as_of, 1)  # a load committed since: catch up, retry
        else:
            done = await compute_once(shard, MINUS_INFINITY)
        if on_progress and done is not None:
            await on_progress(done, total[0])

    await asyncio.gather(count_stores(), *(compute(s) for s in todo))
    async with pool.acquire() as conn:
        return sum(r["stores"] or 0 for r in await conn.fetch(queries["report_shards_done"], report_id))
