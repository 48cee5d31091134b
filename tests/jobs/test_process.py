"""Worker processes (`python -m app worker`) and `python -m app report` with the real engine: kill -9 in the
middle of a report, SIGTERM (hand back, or finish within the grace period), two workers at once.

Reports are held in the middle with locks rather than timing: block_reports makes every shard wait, and an
uncommitted row for one store holds back just the shard that contains it."""

import asyncio
import signal
import uuid
from datetime import timedelta

import asyncpg
import pytest

from app.db.connect import create_pool
from app.jobs.manager import ReportManager
from tests.support.api import load_sample, model_csv, wait_for_row
from tests.support.commands import AppProcess, run_app
from tests.support.locks import HeldLock, block_reports
from tests.support.reports import csv_text
from tests.support.wait import wait_until

SAMPLE_STORES = 200
SHARDS = 4


@pytest.fixture
def settings(db_settings):
    load_sample(db_settings, SAMPLE_STORES)
    return db_settings.model_copy(update={"lease_seconds": 2, "report_shards": SHARDS, "max_attempts": 3})


@pytest.fixture
async def manager(settings):
    pool = await create_pool(settings, max_size=4)
    yield ReportManager(pool)
    await pool.close()


@pytest.fixture
def workers(settings, tmp_path):
    started: list[AppProcess] = []

    def start(*args: str) -> AppProcess:
        started.append(AppProcess(settings, tmp_path / f"worker-{len(started)}.log", "worker", *args))
        return started[-1]

    yield start
    for worker in started:
        worker.close()


async def enqueue_full_report(manager: ReportManager, conn: asyncpg.Connection):
    return await manager.enqueue(await conn.fetchval("select max(timestamp_utc) from store_status"))


async def hold_back_shard(settings, conn: asyncpg.Connection, report_id: uuid.UUID, shard: int) -> HeldLock:
    """An uncommitted row for one of the shard's stores: the shard's insert waits for it."""
    bounds = await conn.fetchrow("select store_from, store_to from report_shard where report_id = $1 and shard = $2",
                                 report_id, shard)
    store = await conn.fetchval(
        "select store_id from store_status where ($1::text is null or store_id >= $1) "
        "and ($2::text is null or store_id < $2) limit 1", bounds["store_from"], bounds["store_to"])
    return await HeldLock.take(settings, "insert into report_row values ($1, $2, 0, 0, 0, 0, 0, 0)", report_id, store)


def owner(report: asyncpg.Record, workers: list[AppProcess]) -> AppProcess:
    pid = int(report["worker_id"].split(":")[1])  # worker ids are host:pid:random
    return next(w for w in workers if w.process.pid == pid)


async def assert_complete_and_correct(manager, conn, report_id, attempts: int) -> None:
    done = await wait_for_row(conn, report_id, lambda r: r["status"] not in ("queued", "running"))
    assert done["status"] == "complete", dict(done)
    assert done["attempts"] == attempts and done["worker_id"] is None
    stores = await conn.fetchval("select count(distinct store_id) from store_status where timestamp_utc <= $1",
                                 done["as_of"])
    assert done["row_count"] == done["stores_total"] == done["stores_done"] == stores
    assert await csv_text(conn, report_id) == await model_csv(conn, done["as_of"])


async def test_a_report_whose_worker_is_killed_is_finished_by_another_worker(settings, manager, conn, workers):
    report = await enqueue_full_report(manager, conn)
    pool = [workers(), workers()]
    blocked = await block_reports(settings)
    running = await wait_for_row(conn, report.id, lambda r: r["status"] == "running" and r["stores_total"])
    victim = owner(running, pool)
    shard_one = await hold_back_shard(settings, conn, report.id, shard=1)
    await blocked.release()  # every shard but shard 1 can finish now
    async def finished_shards() -> list[asyncpg.Record] | None:
        rows = await conn.fetch("select shard, finished_at from report_shard where report_id = $1 "
                                "and finished_at is not null", report.id)
        return rows if len(rows) == SHARDS - 1 else None

    finished = await wait_until(finished_shards, message="every shard but the held one finishes")
    victim.kill()
    await shard_one.release()
    assert sorted(s["shard"] for s in finished) == [s for s in range(SHARDS) if s != 1]
    assert (await manager.get(report.id)).status == "running"

    await assert_complete_and_correct(manager, conn, report.id, attempts=2)
    # Shards finished before the kill were kept, not computed again.
    for shard in finished:
        assert await conn.fetchval("select finished_at from report_shard where report_id = $1 and shard = $2",
                                   report.id, shard["shard"]) == shard["finished_at"]
    survivor = next(w for w in pool if w is not victim)
    assert f"running report {report.id} (attempt 2 of 3)" in survivor.output()


async def test_sigterm_hands_the_running_report_back(settings, manager, conn, workers):
    report = await enqueue_full_report(manager, conn)
    first = workers("--grace", "0")
    blocked = await block_reports(settings)
    try:
        await wait_for_row(conn, report.id, lambda r: r["status"] == "running" and r["stores_total"])
        assert await asyncio.to_thread(first.terminate, 20) == 0, first.output()
        handed_back = await manager.get(report.id)
        assert handed_back.status == "queued" and handed_back.attempts == 0
        assert handed_back.worker_id is None and handed_back.lease_expires_at is None
        assert "handed back to the queue" in first.output()
    finally:
        await blocked.release()
    workers()
    await assert_complete_and_correct(manager, conn, report.id, attempts=1)


async def test_sigterm_lets_the_running_report_finish_within_the_grace_period(settings, manager, conn, workers):
    report = await enqueue_full_report(manager, conn)
    worker = workers("--grace", "60")
    blocked = await block_reports(settings)
    try:
        await wait_for_row(conn, report.id, lambda r: r["status"] == "running" and r["stores_total"])
        worker.process.send_signal(signal.SIGTERM)
        # The worker has taken the signal and is in its grace period (the report cannot finish while blocked):
        await wait_until(lambda: "waiting up to 60.0 s for 1 running report(s)" in worker.output(),
                         message="the worker logs that it waits for its running report")
        assert worker.process.poll() is None, "the worker left before its report finished"
        assert (await manager.get(report.id)).status == "running"
    finally:
        await blocked.release()
    assert await asyncio.to_thread(worker.process.wait, 30) == 0, worker.output()
    await assert_complete_and_correct(manager, conn, report.id, attempts=1)


async def test_two_worker_processes_run_two_reports_at_once(settings, manager, conn, workers):
    reports = [await enqueue_full_report(manager, conn) for _ in range(2)]
    pool = [workers(), workers()]
    blocked = await block_reports(settings)
    try:
        running = [await wait_for_row(conn, r.id, lambda row: row["status"] == "running") for r in reports]
        assert {owner(r, pool) for r in running} == set(pool)
    finally:
        await blocked.release()
    for report in reports:
        await assert_complete_and_correct(manager, conn, report.id, attempts=1)


async def test_the_report_command_runs_a_report_through_the_job_code(settings, conn, tmp_path):
    stores = [r["store_id"] for r in await conn.fetch(
        "select store_id from store_status group by store_id order by store_id limit 12")][::2]
    newest = await conn.fetchval("select max(timestamp_utc) from store_status")
    as_of = newest - timedelta(hours=5, minutes=3)
    out = tmp_path / "report.csv"
    args = ["report", "--as-of", as_of.isoformat(), "--out", str(out)]
    for store in stores:
        args += ["--store", store]
    done = await asyncio.to_thread(run_app, settings, *args)
    assert done.returncode == 0, done.stderr
    assert f"{len(stores)} stores as of" in done.stderr and str(out) in done.stderr
    assert out.read_text() == await model_csv(conn, as_of, stores)
    report = await conn.fetchrow("select * from report order by queued_at desc limit 1")
    assert report["status"] == "complete" and report["row_count"] == len(stores)
