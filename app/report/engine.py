"""Runs a claimed report: its stores split into shards (ranges of store ids) computed concurrently on separate
connections (report_rows_v4: the weekly figures, and the days and outages when days are asked for, in one pass).
Each shard's rows and its completion commit together, so running a report again after a crash finishes only the
shards that are missing and never duplicates a store. Before the shards, the status change summary is brought up
to date if someone's writes made it stale (app/summary), and the primary's WAL position is recorded on the report:
with replicas (app/report/replicas.py) the shards are computed on a replica that has replayed past it, and stored
here in the same one transaction per shard. This module does not touch the report's status: the job layer (app/jobs)
owns that."""

import asyncio
import uuid
from datetime import datetime

import asyncpg

from app.db.models import Report
from app.db.queries import queries
from app.report.parameters import ReportParameters
from app.report.replicas import ReplicaRun, ReplicaSet, ShardJob
from app.summary.refresh import INFINITY, MINUS_INFINITY, STALE_SUMMARY, refresh_summary, stale_from

_SUMMARY_ATTEMPTS = 3  # then a shard reads every poll: loads committing all the time must not stall a report


async def newest_poll(conn: asyncpg.Connection) -> datetime | None:
    return await conn.fetchval(queries["newest_poll"])


async def _shard_bounds(conn: asyncpg.Connection, shards: int, store_ids: list[str] | None
                        ) -> list[tuple[str | None, str | None]]:
    if store_ids is not None:
        ids = sorted(set(store_ids))
        step = max(1, -(-len(ids) // shards))
        cuts = [ids[i] for i in range(step, len(ids), step)]
    else:
        cuts = sorted(set(await conn.fetchval(queries["sample_store_bounds"], shards))) if shards > 1 else []
    edges = [None, *cuts, None]
    return list(zip(edges, edges[1:]))


async def plan_shards(conn: asyncpg.Connection, report_id: uuid.UUID, shards: int,
                      store_ids: list[str] | None) -> list[asyncpg.Record]:
    """The report's shards, created on its first run and reused by every later one."""
    existing = await conn.fetch(queries["report_shards"], report_id)
    if not existing:
        bounds = await _shard_bounds(conn, shards, store_ids)
        await conn.execute(queries["create_report_shards"], report_id,
                           [lo for lo, _ in bounds], [hi for _, hi in bounds])
        existing = await conn.fetch(queries["report_shards"], report_id)
    return existing


async def usable_summary_until(pool: asyncpg.Pool, as_of: datetime, workers: int) -> datetime:
    """How far a report as of `as_of` can read the status change summary, after summarizing again whatever
    someone's writes made stale (INFINITY: all the way)."""
    async with pool.acquire() as conn:
        until = await stale_from(conn, as_of)
    if until != INFINITY:
        await refresh_summary(pool, workers)
        async with pool.acquire() as conn:
            until = await stale_from(conn, as_of)
    return until


async def record_wal_position(pool: asyncpg.Pool, report_id: uuid.UUID) -> str:
    """The primary's WAL position now, recorded on the report: what a replica must have replayed."""
    async with pool.acquire() as conn:
        return await conn.fetchval(queries["record_report_wal_position"], report_id)


async def run_report(pool: asyncpg.Pool, report: Report, *, shards: int, replicas: ReplicaSet | None = None) -> int:
    """Compute every unfinished shard of the report (on the replicas, when given); returns the report's number of
    rows."""
    parameters = ReportParameters.of(report.parameters)
    store_ids = parameters.store_ids
    days = (parameters.days.first, parameters.days.last) if parameters.days else (None, None)
    async with pool.acquire() as conn:
        planned = await conn.fetch(queries["report_shards"], report.id)
    if planned and all(s["finished_at"] is not None for s in planned):
        until = INFINITY  # a re-run after every shard committed: nothing to compute
    else:
        # First, so that the registry the shards are planned from is current too.
        until = await usable_summary_until(pool, report.as_of, shards)
    async with pool.acquire() as conn:
        plan = await plan_shards(conn, report.id, shards, store_ids)
    todo = [s for s in plan if s["finished_at"] is None]
    lsn = await record_wal_position(pool, report.id) if todo else ""
    on_replicas = ReplicaRun(replicas, pool) if replicas is not None else None

    async def count_stores() -> None:
        async with pool.acquire() as conn:
            try:
                total = await conn.fetchval(queries["count_report_stores"], report.as_of, store_ids, until)
            except asyncpg.PostgresError as exc:
                if exc.sqlstate != STALE_SUMMARY:
                    raise
                # A write committed since: the statement finds how far the summary is usable itself (None).
                total = await conn.fetchval(queries["count_report_stores"], report.as_of, store_ids, None)
            await conn.execute(queries["set_report_stores_total"], report.id, total)

    async def compute_once(shard: asyncpg.Record, shard_until: datetime, shard_lsn: str) -> None:
        if on_replicas is not None:
            job = ShardJob(report.id, shard["shard"], (report.as_of, shard["store_from"], shard["store_to"],
                                                       store_ids, shard_until, *days), shard_lsn)
            if await on_replicas.compute(job):
                return
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(queries["shard_settings"])
            await conn.execute(queries["compute_report_shard"], report.id, shard["shard"], report.as_of,
                               shard["store_from"], shard["store_to"], store_ids, shard_until, *days)

    async def compute(shard: asyncpg.Record) -> None:
        shard_until, shard_lsn = until, lsn
        for _ in range(_SUMMARY_ATTEMPTS):
            try:
                return await compute_once(shard, shard_until, shard_lsn)
            except asyncpg.PostgresError as exc:
                if exc.sqlstate != STALE_SUMMARY:
                    raise
                # Someone's write committed since: catch up and retry (on a replica once it has that too).
                shard_until = await usable_summary_until(pool, report.as_of, 1)
                shard_lsn = await record_wal_position(pool, report.id)
        await compute_once(shard, MINUS_INFINITY, shard_lsn)

    await asyncio.gather(count_stores(), *(compute(s) for s in todo))
    async with pool.acquire() as conn:
        return await conn.fetchval(queries["report_shards_done"], report.id)
