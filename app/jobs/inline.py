"""`python -m app report`: a report enqueued and run in this process through the same job code as the workers."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path

from app.config import Settings
from app.db.connect import create_pool
from app.db.models import Report, ReportState
from app.errors import ReportFailed
from app.jobs.actions import submit_report
from app.jobs.manager import ReportManager
from app.jobs.worker import Worker, worker_pool_size
from app.report.csv import write_csv, write_days_csv
from app.report.parameters import DayRange
from app.report.replicas import replicas_of

_OTHER_WORKER_POLL_SECONDS = 0.5


async def run_report_inline(settings: Settings, output: Path | Callable[[bytes], Awaitable[None]],
                            as_of: datetime | None = None, store_ids: Sequence[str] | None = None,
                            days: DayRange | None = None, days_output: Path | None = None) -> Report:
    """Enqueue a report, run it here (retrying like a worker), and COPY its CSV into `output` (and its days', when
    asked for, into `days_output`).

    Running workers may claim it first (they hear the same NOTIFY); then this waits for their result.
    """
    pool = await create_pool(settings, max_size=worker_pool_size(settings))
    try:
        manager = ReportManager(pool)
        await manager.check_schema()
        submitted = (await submit_report(manager, as_of, store_ids, days=days)).report
        assert submitted is not None  # no owner, so no limit
        async with replicas_of(settings) as replicas:
            worker = Worker(pool, settings, replicas=replicas)
            # Another worker may claim it first (both hear the NOTIFY): its result is in the table when it is done.
            while True:
                report = await worker.run_one(submitted.id)
                if report is None:
                    raise ReportFailed(f"report {submitted.id} was deleted before it finished")
                if report.status not in (ReportState.queued, ReportState.running):
                    break
                await asyncio.sleep(_OTHER_WORKER_POLL_SECONDS)
        if report.status is not ReportState.complete:
            raise ReportFailed(f"report {report.id} {report.status}: {report.error or 'no reason recorded'}")
        async with pool.acquire() as conn:
            await write_csv(conn, report.id, output)
            if days_output is not None:
                await write_days_csv(conn, report.id, days_output)
        return report
    finally:
        await pool.close()
