"""What a worker runs beside the API, or alone (`python -m app worker`, any number of them, on any host that
reaches the database): the report worker (app/jobs), the webhook deliverer and the alert timer (app/alerts).
Each has a pool of its own, so a flood of one kind of work cannot starve another; with REPLICA_URLS the report
worker also has one per replica, where it computes report shards (app/report/replicas.py)."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

from app.alerts.deliver import Deliverer
from app.alerts.evaluate import evaluate_on_a_timer
from app.config import Settings
from app.db.connect import create_pool
from app.jobs.worker import DEFAULT_GRACE_SECONDS, Worker, worker_pool_size
from app.report.replicas import ReplicaSet

log = logging.getLogger(__name__)


@dataclass
class Background:
    worker: Worker
    tasks: list[asyncio.Task]


@contextlib.asynccontextmanager
async def background_work(settings: Settings, grace_seconds: float = DEFAULT_GRACE_SECONDS
                          ) -> AsyncIterator[Background]:
    """Starts the three loops; on exit stops them (the report worker finishes or hands back its reports)."""
    report_pool = await create_pool(settings, max_size=worker_pool_size(settings))
    # The timer's evaluation, and one connection per event being delivered (each stays locked while it is posted).
    alert_pool = await create_pool(settings, max_size=2 + settings.webhook_concurrency)
    replicas = ReplicaSet.from_settings(settings)  # where report shards are computed (REPLICA_URLS)
    worker = Worker(report_pool, settings, grace_seconds=grace_seconds, replicas=replicas)
    deliverer = Deliverer(alert_pool, settings)
    stop_timer = asyncio.Event()
    tasks = [asyncio.create_task(worker.run(), name="report worker"),
             asyncio.create_task(deliverer.run(), name="webhook deliverer"),
             asyncio.create_task(evaluate_on_a_timer(alert_pool, settings.alert_clock, settings.alert_timer_seconds,
                                                     stop_timer), name="alert timer")]
    try:
        yield Background(worker, tasks)
    finally:
        if not worker.stopping:
            worker.stop()
        deliverer.stop()
        stop_timer.set()
        await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled() and task.exception() is not None:
                log.error("%s failed", task.get_name(), exc_info=task.exception())
        if replicas is not None:
            await replicas.close()
        await report_pool.close()
        await alert_pool.close()


async def run_worker_process(settings: Settings, grace_seconds: float | None = None) -> None:
    """`python -m app worker`: until SIGTERM or SIGINT (a second one hands running reports back at once)."""
    grace = DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds
    async with background_work(settings, grace) as background:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, background.worker.stop)
        # The report worker's loop ends once it was told to stop and its reports are finished or handed back.
        await asyncio.wait(background.tasks[:1])
