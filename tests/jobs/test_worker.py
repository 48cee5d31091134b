"""The worker loop in this process, with stand-in report runs: retries, failure, cancel, lost leases, graceful stop,
wake-ups and concurrency. (The real engine runs in tests/api/test_e2e.py and tests/jobs/test_process.py.)"""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from app.db.connect import create_pool
from app.db.models import Report, ReportState
from app.jobs.manager import ReportManager
from app.jobs.worker import Worker
from tests.support.wait import wait_until

AS_OF = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
STORES = ["a", "b", "c"]
WAIT = 15.0  # upper bound of every wait below


class StandInEngine:
    """Plays run_report: commits one shard per store (rows and finished_at together), like the engine does.

    `fail_first` runs raise before doing anything; `pause` makes a run wait (between shards) until it is set;
    `unfinished` leaves one shard uncommitted but returns normally.
    """

    def __init__(self, fail_first: int = 0, pause: asyncio.Event | None = None, unfinished: bool = False,
                 seconds_per_shard: float = 0.0):
        self.fail_first = fail_first
        self.pause = pause
        self.unfinished = unfinished
        self.seconds_per_shard = seconds_per_shard
        self.calls = 0
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()

    async def __call__(self, pool: asyncpg.Pool, report: Report, *, shards: int) -> int:
        report_id = report.id
        self.calls += 1
        self.started.set()
        if self.calls <= self.fail_first:
            raise RuntimeError(f"boom {self.calls}")
        try:
            async with pool.acquire() as conn:
                await conn.execute("update report set stores_total = $2 where id = $1", report_id, len(STORES))
                for shard, store in enumerate(STORES):
                    if self.pause is not None and shard == 1:
                        await self.pause.wait()
                    await asyncio.sleep(self.seconds_per_shard)
                    await _commit_shard(conn, report_id, shard, store)
                if self.unfinished:
                    await conn.execute(
                        "insert into report_shard (report_id, shard) values ($1, 99) on conflict do nothing", report_id)
            return len(STORES)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise


async def _commit_shard(conn: asyncpg.Connection, report_id: uuid.UUID, shard: int, store: str) -> None:
    async with conn.transaction():
        done = await conn.fetchval(
            "select finished_at is not null from report_shard where report_id = $1 and shard = $2", report_id, shard)
        if done:  # a re-run skips finished shards
            return
        await conn.execute("insert into report_row values ($1, $2, 60, 24, 168, 0, 0, 0)", report_id, store)
        await conn.execute("insert into report_shard (report_id, shard, stores, finished_at) "
                           "values ($1, $2, 1, now())", report_id, shard)
        await conn.execute("update report set stores_done = stores_done + 1 where id = $1", report_id)


@pytest.fixture
def settings(db_settings):
    return db_settings.model_copy(update={"lease_seconds": 2, "max_attempts": 3, "report_shards": 2})


@pytest.fixture
async def pool(settings):
    pool = await create_pool(settings, max_size=10)
    yield pool
    await pool.close()


@pytest.fixture
def manager(pool) -> ReportManager:
    return ReportManager(pool)


class Running:
    """A worker loop running in a task of this test's event loop. Its claims are the real ones, counted as they
    return: `empty_claims` tells a test that the worker looked at the queue and found nothing to take."""

    def __init__(self, worker: Worker):
        self.worker = worker
        self.empty_claims = 0
        claim = worker.manager.claim

        async def counted_claim(*args: object) -> Report | None:
            report = await claim(*args)
            self.empty_claims += report is None
            return report

        worker.manager.claim = counted_claim
        self.task = asyncio.create_task(worker.run())

    async def stop(self) -> None:
        self.worker.stop()
        await asyncio.wait_for(self.task, WAIT)


@pytest.fixture
async def start(pool, settings):
    running: list[Running] = []

    def start_worker(engine, **options) -> Running:
        worker_settings = settings.model_copy(update=options.pop("settings", {}))
        options.setdefault("poll_seconds", 0.2)
        running.append(Running(Worker(pool, worker_settings, run=engine, **options)))
        return running[-1]

    yield start_worker
    for r in running:
        if not r.task.done():
            await r.stop()


async def wait_for_status(manager, report_id, *states: ReportState, timeout: float = WAIT):
    async def reached() -> Report | None:
        report = await manager.get(report_id)
        return report if report.status in states else None
    return await wait_until(reached, timeout, f"report {report_id} reaches {', '.join(states)}")


def finished_shards(conn, report_id):
    return conn.fetchval("select count(*) from report_shard where report_id = $1 and finished_at is not null",
                         report_id)


async def test_a_queued_report_runs_to_completion(manager, start):
    engine = StandInEngine()
    start(engine)
    report = await manager.enqueue(AS_OF)
    done = await wait_for_status(manager, report.id, ReportState.complete)
    assert done.row_count == len(STORES) and done.stores_done == len(STORES) and done.attempts == 1
    assert done.worker_id is None and done.lease_expires_at is None and done.finished_at >= done.started_at


async def test_a_failing_report_is_retried_then_failed_with_its_reason(manager, start):
    engine = StandInEngine(fail_first=99)
    start(engine)
    report = await manager.enqueue(AS_OF)
    failed = await wait_for_status(manager, report.id, ReportState.failed)
    assert engine.calls == 3 and failed.attempts == 3
    assert failed.error == "failed after 3 attempt(s): RuntimeError: boom 3"


async def test_a_transient_failure_is_retried(manager, start):
    engine = StandInEngine(fail_first=1)
    start(engine)
    report = await manager.enqueue(AS_OF)
    done = await wait_for_status(manager, report.id, ReportState.complete)
    assert engine.calls == 2 and done.attempts == 2 and done.row_count == len(STORES)


async def test_a_report_with_an_uncommitted_shard_is_never_complete(manager, start):
    start(StandInEngine(unfinished=True))
    report = await manager.enqueue(AS_OF)
    failed = await wait_for_status(manager, report.id, ReportState.failed)
    assert "1 of 4 shards not committed, 3 rows for 3 stores" in failed.error


async def test_cancel_stops_the_run_and_deletes_its_rows(manager, start, conn):
    engine = StandInEngine(seconds_per_shard=0.3, pause=asyncio.Event())
    start(engine)
    report = await manager.enqueue(AS_OF)
    await asyncio.wait_for(engine.started.wait(), WAIT)
    await wait_for_status(manager, report.id, ReportState.running)
    await manager.cancel(report.id)
    # A shard commits after the cancel: the worker must delete its rows once it has stopped the run.
    await _commit_shard(conn, report.id, 1, "b")
    await asyncio.wait_for(engine.cancelled.wait(), WAIT)
    await wait_until(lambda: conn.fetchval("select not exists (select from report_row) "
                                           "and not exists (select from report_shard)"),
                     WAIT, "the worker deletes the rows of the shard committed after the cancel")
    assert (await manager.get(report.id)).status is ReportState.cancelled


async def test_a_worker_that_lost_its_lease_stops_and_leaves_the_report_alone(manager, start, conn):
    engine = StandInEngine(pause=asyncio.Event())
    start(engine)
    report = await manager.enqueue(AS_OF)
    await asyncio.wait_for(engine.started.wait(), WAIT)
    await conn.execute("update report set worker_id = 'other' where id = $1", report.id)
    await asyncio.wait_for(engine.cancelled.wait(), WAIT)
    after = await manager.get(report.id)
    assert after.status is ReportState.running and after.worker_id == "other"


async def test_stop_lets_a_running_report_finish_within_the_grace_period(manager, start):
    engine = StandInEngine(seconds_per_shard=0.3)
    running = start(engine, grace_seconds=WAIT)
    report = await manager.enqueue(AS_OF)
    await asyncio.wait_for(engine.started.wait(), WAIT)
    await running.stop()
    assert (await manager.get(report.id)).status is ReportState.complete
    assert not engine.cancelled.is_set()


async def test_stop_hands_a_report_back_after_the_grace_period(manager, start, conn):
    engine = StandInEngine(pause=asyncio.Event())
    running = start(engine, grace_seconds=0.2)
    report = await manager.enqueue(AS_OF)
    # The run commits its first shard, then waits for ever: the grace period can only end in a hand-back.
    await wait_until(lambda: finished_shards(conn, report.id), WAIT, "the first shard commits")
    await running.stop()
    assert engine.cancelled.is_set()
    handed_back = await manager.get(report.id)
    assert handed_back.status is ReportState.queued and handed_back.attempts == 0
    assert handed_back.worker_id is None and handed_back.lease_expires_at is None
    # The finished first shard is kept: the next worker resumes from it.
    assert await finished_shards(conn, report.id) == 1
    resumed = StandInEngine()
    start(resumed)
    done = await wait_for_status(manager, report.id, ReportState.complete)
    assert done.row_count == len(STORES) and done.attempts == 1


async def test_a_notification_wakes_an_idle_worker(manager, start):
    running = start(StandInEngine(), poll_seconds=600)
    await wait_until(lambda: running.empty_claims, WAIT, "the worker finds the queue empty")
    # It now sleeps until a NOTIFY or 600 s have passed: only the notification can wake it within the wait below.
    report = await manager.enqueue(AS_OF)
    await wait_for_status(manager, report.id, ReportState.complete, timeout=WAIT)


async def test_the_report_of_a_dead_worker_is_taken_over_when_its_lease_expires(manager, start, conn):
    report = await manager.enqueue(AS_OF)
    await manager.claim("dead-worker", 600, 3)
    running = start(StandInEngine())
    await wait_until(lambda: running.empty_claims, WAIT, "the worker looks at the queue")
    assert (await manager.get(report.id)).worker_id == "dead-worker"  # not taken while the lease is current
    await conn.execute("update report set lease_expires_at = now() - interval '1 s' where id = $1", report.id)
    done = await wait_for_status(manager, report.id, ReportState.complete)
    assert done.attempts == 2


async def test_two_slots_run_two_reports_at_once(manager, start):
    both_running = asyncio.Barrier(2)

    async def engine(pool, report_id, *, shards):
        await asyncio.wait_for(both_running.wait(), WAIT)
        return await StandInEngine()(pool, report_id, shards=shards)

    start(engine, settings={"worker_concurrency": 2})
    reports = [await manager.enqueue(AS_OF) for _ in range(2)]
    for report in reports:
        assert (await wait_for_status(manager, report.id, ReportState.complete)).row_count == len(STORES)
