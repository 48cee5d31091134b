"""A report's outages (rule 11), kept with it (on its stores' rows; the view report_outage) so every request, the
store page and the fleet view read the same list. A report asked for days gets them from its shards, in the pass
that computes its days, and is complete with them (outages_at set). For any other report they are computed for its
as_of on the first request; the report's row is locked meanwhile: a second request waits and then finds them
there."""

from datetime import datetime

import asyncpg

from app.db.models import Report
from app.db.queries import queries
from app.report.engine import usable_summary_until
from app.report.parameters import ReportParameters
from app.summary.refresh import STALE_SUMMARY


async def ensure_outages(pool: asyncpg.Pool, report: Report, workers: int = 1) -> None:
    """Compute and store the (complete) report's outages unless they are there already."""
    if report.outages_at is not None:
        return
    until = await usable_summary_until(pool, report.as_of, workers)
    store_ids = ReportParameters.of(report.parameters).store_ids
    try:
        await _compute(pool, report, store_ids, until)
    except asyncpg.PostgresError as exc:
        if exc.sqlstate != STALE_SUMMARY:
            raise
        await _compute(pool, report, store_ids, None)  # a write committed since: the statement finds how far


async def _compute(pool: asyncpg.Pool, report: Report, store_ids: list[str] | None, until: datetime | None) -> None:
    async with pool.acquire() as conn, conn.transaction():
        claimed = await conn.fetchrow(queries["claim_report_outages"], report.id)
        if claimed is None or claimed["ready"]:
            return
        await conn.execute(queries["shard_settings"])
        await conn.execute(queries["clear_report_outages"], report.id)
        await conn.execute(queries["compute_report_outages"], report.id, report.as_of, store_ids, until)
