"""ReportManager: the only code that runs the job queue's SQL (sql/queries/jobs.sql), one method per query.

The worker and the API call these methods and never see SQL. Rows come back as the generated `Report` model.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.db.models import Report, ReportState
from app.db.queries import queries
from app.errors import DatabaseSetupError
from app.report.parameters import ReportParameters

# LISTEN/NOTIFY channel on which enqueued (and re-queued) report ids are announced.
QUEUE_CHANNEL = "storepulse_report_queued"


@dataclass(frozen=True)
class ReportStatus:
    """What a poll of a report needs: its state, stores done of the total, its error and whose it is."""

    status: ReportState
    stores_done: int
    stores_total: int | None
    error: str | None
    tenant_id: int | None = None  # whose keys see it (None: admin keys only)


@dataclass(frozen=True)
class Submitted:
    """What a trigger came to: a new report, an identical one already queued or running (`existing`), or nothing
    because the key has `active` reports queued or running, as many as it may have (`report` None)."""

    report: Report | None
    existing: bool = False
    active: int = 0


@dataclass(frozen=True)
class RunBucket:
    state: ReportState
    bucket: int  # index into the bounds asked for: runs of at least bounds[bucket - 1] seconds and below bounds[bucket]
    reports: int
    seconds: float


@dataclass(frozen=True)
class QueueStats:
    queued: int
    oldest_age_seconds: float | None


@dataclass(frozen=True)
class ShardTally:
    """A report's shards counted when it completes: how many, how many unfinished, the rows they stored."""

    shards: int
    unfinished_shards: int
    rows: int
    stores_total: int | None


def _report(record: asyncpg.Record | None) -> Report | None:
    return None if record is None else Report.model_validate(dict(record))


def _row(record: asyncpg.Record) -> Report:
    return Report.model_validate(dict(record))


class ReportManager:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    async def check_schema(self) -> None:
        if not await self.pool.fetchval(queries["jobs_schema_ready"]):
            raise DatabaseSetupError(
                "the tables `report` and `report_shard` are missing: run `python -m app db migrate`"
            )

    async def enqueue(self, as_of: datetime, parameters: ReportParameters | None = None, *,
                      tenant_id: int | None = None, api_key_id: int | None = None) -> Report:
        stored = (parameters or ReportParameters()).stored()
        record = await self.pool.fetchrow(queries["enqueue_report"], as_of, stored, QUEUE_CHANNEL, tenant_id,
                                          api_key_id)
        return _row(record)

    async def submit(self, as_of: datetime, parameters: ReportParameters, *, tenant_id: int | None,
                     api_key_id: int | None, max_active: int | None) -> Submitted:
        """Enqueue unless an identical report of the tenant is queued or running (that one is returned) or the key
        already has `max_active` reports queued or running; checked and enqueued under the tenant's lock."""
        stored = parameters.stored()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(queries["report_submission_lock"], tenant_id)
            existing = await conn.fetchrow(queries["identical_active_report"], tenant_id, as_of, stored)
            if existing is not None:
                return Submitted(_row(existing), existing=True)
            if api_key_id is not None and max_active is not None:
                active = await conn.fetchval(queries["active_reports_of_key"], api_key_id)
                if active >= max_active:
                    return Submitted(None, active=active)
            record = await conn.fetchrow(queries["enqueue_report"], as_of, stored, QUEUE_CHANNEL, tenant_id,
                                         api_key_id)
            return Submitted(_row(record))

    async def fail_abandoned(self, max_attempts: int) -> list[uuid.UUID]:
        return [r["id"] for r in await self.pool.fetch(queries["fail_abandoned_reports"], max_attempts)]

    async def claim(self, worker_id: str, lease_seconds: float, max_attempts: int) -> Report | None:
        return _report(await self.pool.fetchrow(queries["claim_report"], worker_id, lease_seconds, max_attempts))

    async def claim_by_id(self, report_id: uuid.UUID, worker_id: str, lease_seconds: float) -> Report | None:
        return _report(await self.pool.fetchrow(queries["claim_report_by_id"], report_id, worker_id, lease_seconds))

    async def extend_lease(self, report_id: uuid.UUID, worker_id: str, lease_seconds: float) -> bool:
        return await self.pool.fetchval(queries["extend_lease"], report_id, worker_id, lease_seconds) is not None

    async def complete(self, report_id: uuid.UUID, worker_id: str) -> Report | None:
        """The completed report, or None when it is not ours any more or shards are unfinished."""
        return _report(await self.pool.fetchrow(queries["complete_report"], report_id, worker_id))

    async def shard_tally(self, report_id: uuid.UUID) -> ShardTally:
        record = await self.pool.fetchrow(queries["report_shard_tally"], report_id)
        return ShardTally(**dict(record))

    async def fail(self, report_id: uuid.UUID, worker_id: str, error: str) -> Report | None:
        return _report(await self.pool.fetchrow(queries["fail_report"], report_id, worker_id, error))

    async def retry(self, report_id: uuid.UUID, worker_id: str, error: str) -> Report | None:
        return _report(await self.pool.fetchrow(queries["retry_report"], report_id, worker_id, error, QUEUE_CHANNEL))

    async def hand_back(self, report_id: uuid.UUID, worker_id: str) -> Report | None:
        return _report(await self.pool.fetchrow(queries["hand_back_report"], report_id, worker_id, QUEUE_CHANNEL))

    async def cancel(self, report_id: uuid.UUID) -> Report | None:
        """The cancelled report, or None when it is unknown or already finished."""
        return _report(await self.pool.fetchrow(queries["cancel_report"], report_id))

    async def discard_cancelled_rows(self, report_id: uuid.UUID) -> None:
        await self.pool.execute(queries["discard_cancelled_rows"], report_id)

    async def get(self, report_id: uuid.UUID) -> Report | None:
        return _report(await self.pool.fetchrow(queries["get_report"], report_id))

    async def status(self, report_id: uuid.UUID) -> ReportStatus | None:
        record = await self.pool.fetchrow(queries["get_report_status"], report_id)
        if record is None:
            return None
        return ReportStatus(ReportState(record["status"]), record["stores_done"], record["stores_total"],
                              record["error"], record["tenant_id"])

    async def list_recent(self, limit: int, offset: int, *, tenant_id: int | None = None) -> list[Report]:
        """Most recent first: every report, or (`tenant_id` given) the tenant's."""
        if tenant_id is None:
            return [_row(r) for r in await self.pool.fetch(queries["list_reports"], limit, offset)]
        return [_row(r) for r in await self.pool.fetch(queries["list_tenant_reports"], limit, offset, tenant_id)]

    async def delete_finished(self, report_id: uuid.UUID) -> Report | None:
        """The deleted report, or None when it is unknown or still queued or running."""
        return _report(await self.pool.fetchrow(queries["delete_finished_report"], report_id))

    async def worker_seen(self, worker_id: str) -> None:
        await self.pool.execute(queries["worker_seen"], worker_id)

    async def worker_gone(self, worker_id: str) -> None:
        await self.pool.execute(queries["worker_gone"], worker_id)

    async def workers_alive(self, within_seconds: float) -> int:
        return await self.pool.fetchval(queries["workers_alive"], within_seconds)

    async def reports_by_state(self) -> dict[ReportState, int]:
        return {ReportState(r["state"]): r["reports"] for r in await self.pool.fetch(queries["reports_by_state"])}

    async def run_buckets(self, bounds: Sequence[float]) -> list[RunBucket]:
        rows = await self.pool.fetch(queries["report_run_buckets"], list(bounds))
        return [RunBucket(ReportState(r["state"]), r["bucket"], r["reports"], r["seconds"]) for r in rows]

    async def queue_stats(self) -> QueueStats:
        record = await self.pool.fetchrow(queries["report_queue_stats"])
        return QueueStats(record["queued"], record["oldest_age_seconds"])

    async def polls_kept_from(self) -> datetime | None:
        """Where the polls retention kept begin (None: nothing was ever dropped)."""
        return await self.pool.fetchval(queries["polls_kept_from"])

    async def has_polls_until(self, as_of: datetime) -> bool:
        return await self.pool.fetchval(queries["has_polls_until"], as_of)

    async def unknown_store_ids(self, store_ids: Sequence[str]) -> list[str]:
        return [r["store_id"] for r in await self.pool.fetch(queries["unknown_store_ids"], list(store_ids))]
