"""The report worker: claims reports from the queue and runs them with the report engine.

The loop claims while it has a free slot and otherwise sleeps until a NOTIFY (on a connection of its own: a pool
connection drops its listeners when released) or the poll interval, so expired leases of dead workers are found
too. While a report runs, a heartbeat extends the lease (every third of it, at most 2 s apart); when the heartbeat
finds the report cancelled, or taken over by another worker, it stops the run. A failed run is retried until
`max_attempts`, then the report is Failed with the reason. On stop (SIGTERM) the worker claims nothing more, lets
running reports finish for `grace_seconds`, then hands the rest back to the queue; finished shards are kept, so
whoever claims it next resumes from them.
"""

import asyncio
import enum
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

from app.config import Settings
from app.db.connect import connect
from app.db.models import Report, ReportState
from app.jobs.manager import QUEUE_CHANNEL, ReportManager
from app.report.engine import run_report
from app.report.replicas import ReplicaSet

log = logging.getLogger(__name__)

RunReport = Callable[..., Coroutine[Any, Any, int]]  # run_report(pool, report, *, shards[, replicas]) -> rows
DEFAULT_GRACE_SECONDS = 5.0


class Interruption(enum.Enum):
    cancelled = "cancelled"  # POST /reports/{id}/cancel
    lost = "lost"  # our lease ran out and another worker owns the report now
    shutdown = "shutdown"  # stop() and the grace period is over


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def worker_pool_size(settings: Settings) -> int:
    """Connections a worker needs: one per shard of each concurrent report, plus the heartbeat and claims."""
    return settings.report_shards * settings.worker_concurrency + 2


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Worker:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, *, run: RunReport = run_report,
                 worker_id: str | None = None, poll_seconds: float | None = None,
                 grace_seconds: float = DEFAULT_GRACE_SECONDS, replicas: ReplicaSet | None = None):
        self.manager = ReportManager(pool)
        self.replicas = replicas  # where report shards are computed (REPLICA_URLS); None: on the primary
        self.settings = settings
        self.id = worker_id or new_worker_id()
        self.lease_seconds = float(settings.lease_seconds)
        # Often enough that a cancel is noticed within a couple of seconds, and a lease survives two lost beats.
        self.heartbeat_seconds = min(self.lease_seconds / 3, 2.0)
        self.poll_seconds = poll_seconds or min(5.0, self.lease_seconds / 2)
        self.grace_seconds = grace_seconds
        self.slots = settings.worker_concurrency
        self._run_report = run
        self._jobs: set[asyncio.Task] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()  # claim nothing more
        self._hand_back = asyncio.Event()  # interrupt running reports and hand them back
        self._last_beat = float("-inf")

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Stop claiming and finish or hand back running reports; a second call hands back at once."""
        if self._stopping.is_set():
            self._hand_back.set()
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Work until stop() and until running reports are finished or handed back."""
        await self.manager.check_schema()
        log.info("worker %s started (lease %.0f s, %d slot(s))", self.id, self.lease_seconds, self.slots)
        listener = None
        try:
            while not self._stopping.is_set():
                if listener is None or listener.is_closed():
                    listener = await self._listen()
                self._wake.clear()
                await self._beat()
                await self._claim_while_free()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                except TimeoutError:
                    pass
        finally:
            await self._finish_jobs()
            if listener is not None and not listener.is_closed():
                await listener.close()
            try:
                await self.manager.worker_gone(self.id)
            except Exception as exc:  # its row ages out; readiness then counts it dead after a lease
                log.warning("worker %s could not sign off: %s", self.id, exc)
            log.info("worker %s stopped", self.id)

    async def run_one(self, report_id: uuid.UUID) -> Report | None:
        """Run one queued report in this task (the command line's `report`), retrying like the loop does."""
        while (report := await self.manager.claim_by_id(report_id, self.id, self.lease_seconds)) is not None:
            await self._execute(report)
        return await self.manager.get(report_id)

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await connect(self.settings)
            await conn.add_listener(QUEUE_CHANNEL, self._on_notify)
            return conn
        except Exception as exc:  # the database may be restarting: keep polling, retry next round
            log.warning("LISTEN failed (%s); polling every %.1f s", exc, self.poll_seconds)
            return None

    async def _beat(self) -> None:
        """The worker's own heartbeat (readiness: a worker seen within a lease is alive), at most every
        heartbeat_seconds; the loop comes round at least every poll_seconds (at most half a lease)."""
        now = asyncio.get_running_loop().time()
        if now - self._last_beat < self.heartbeat_seconds:
            return
        try:
            await self.manager.worker_seen(self.id)
            self._last_beat = now
        except Exception as exc:  # the database may be restarting: the next round tries again
            log.warning("worker %s heartbeat failed: %s", self.id, exc)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _claim_while_free(self) -> None:
        try:
            for report_id in await self.manager.fail_abandoned(self.settings.max_attempts):
                log.warning("report %s failed: its worker stopped too many times", report_id)
            while len(self._jobs) < self.slots and not self._stopping.is_set():
                report = await self.manager.claim(self.id, self.lease_seconds, self.settings.max_attempts)
                if report is None:
                    return
                task = asyncio.create_task(self._execute(report), name=f"report {report.id}")
                self._jobs.add(task)
                task.add_done_callback(self._job_done)
        except Exception:  # a lost connection must not end the worker: the next round tries again
            log.exception("claiming failed; retrying in %.1f s", self.poll_seconds)

    def _job_done(self, task: asyncio.Task) -> None:
        self._jobs.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("report job crashed", exc_info=task.exception())
        self._wake.set()

    async def _finish_jobs(self) -> None:
        if not self._jobs:
            return
        log.info("waiting up to %.1f s for %d running report(s)", self.grace_seconds, len(self._jobs))
        _, pending = await asyncio.wait(set(self._jobs), timeout=self.grace_seconds)
        if pending:
            self._hand_back.set()
            await asyncio.wait(pending)

    async def _execute(self, report: Report) -> None:
        log.info("running report %s (attempt %d of %d)", report.id, report.attempts, self.settings.max_attempts)
        on_replicas = {"replicas": self.replicas} if self.replicas is not None else {}
        run = asyncio.create_task(
            self._run_report(self.manager.pool, report, shards=self.settings.report_shards, **on_replicas)
        )
        try:
            interruption = await self._supervise(report.id, run)
        finally:
            if not run.done():
                run.cancel()
                await asyncio.wait({run})
        if interruption is None:
            await self._settle(report, run)
        elif interruption is Interruption.cancelled:
            await self.manager.discard_cancelled_rows(report.id)
            log.info("report %s cancelled; its partial rows are deleted", report.id)
        elif interruption is Interruption.shutdown:
            await self.manager.hand_back(report.id, self.id)
            log.info("report %s handed back to the queue", report.id)
        else:
            log.warning("report %s: lease lost to another worker; stopped", report.id)

    async def _supervise(self, report_id: uuid.UUID, run: asyncio.Task) -> Interruption | None:
        """Heartbeat until the run ends (None) or must be interrupted."""
        hand_back = asyncio.create_task(self._hand_back.wait())
        try:
            while True:
                done, _ = await asyncio.wait({run, hand_back}, timeout=self.heartbeat_seconds,
                                             return_when=asyncio.FIRST_COMPLETED)
                if run in done:
                    return None
                if hand_back in done:
                    return Interruption.shutdown
                if not await self._heartbeat(report_id):
                    current = await self.manager.get(report_id)
                    if current is None or current.status is ReportState.cancelled:
                        return Interruption.cancelled
                    return Interruption.lost
        finally:
            hand_back.cancel()

    async def _heartbeat(self, report_id: uuid.UUID) -> bool:
        try:
            return await self.manager.extend_lease(report_id, self.id, self.lease_seconds)
        except Exception as exc:  # keep running: if the lease does run out, the next beat finds it lost
            log.warning("heartbeat of report %s failed: %s", report_id, exc)
            return True

    async def _settle(self, report: Report, run: asyncio.Task) -> None:
        if run.cancelled():
            await self._failed(report, "the report run was cancelled")
            return
        if (exc := run.exception()) is not None:
            log.warning("report %s attempt %d failed: %s", report.id, report.attempts, _reason(exc))
            await self._failed(report, _reason(exc))
            return
        completed = await self.manager.complete(report.id, self.id)
        if completed is not None:
            log.info("report %s complete: %s rows", report.id, completed.row_count)
            return
        current = await self.manager.get(report.id)
        if current is None:
            return
        if current.status is ReportState.cancelled:
            await self.manager.discard_cancelled_rows(report.id)
        elif current.status is ReportState.running and current.worker_id == self.id:
            p = await self.manager.shard_progress(report.id)
            await self._failed(report, f"incomplete after the engine finished: {p.unfinished_shards} of {p.shards} "
                                       f"shards not committed, {p.rows} rows for {p.stores_total} stores")

    async def _failed(self, report: Report, reason: str) -> None:
        if report.attempts >= self.settings.max_attempts:
            await self.manager.fail(report.id, self.id, f"failed after {report.attempts} attempt(s): {reason}")
            log.error("report %s failed for good: %s", report.id, reason)
        else:
            await self.manager.retry(report.id, self.id, reason)
