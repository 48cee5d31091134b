"""The job queue's SQL through ReportManager: claiming, leases, ownership, completion checks, cancel, listing."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.db.connect import create_pool
from app.db.models import ReportState
from app.jobs.manager import QUEUE_CHANNEL, ReportManager
from app.report.parameters import ReportParameters

AS_OF = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
LEASE = 30.0
MAX_ATTEMPTS = 3


@pytest.fixture
async def manager(db_settings) -> ReportManager:
    pool = await create_pool(db_settings, max_size=12)
    yield ReportManager(pool)
    await pool.close()


async def add_shard(conn, report_id, shard: int, finished: bool, stores: list[str] = ()) -> None:
    await conn.execute(
        "insert into report_shard (report_id, shard, stores, finished_at) values ($1, $2, $3, $4)",
        report_id, shard, len(stores), datetime.now(UTC) if finished else None,
    )
    await conn.executemany(
        "insert into report_row values ($1, $2, 60, 24, 168, 0, 0, 0)", [(report_id, s) for s in stores]
    )


async def test_enqueue_stores_the_request_and_notifies(manager, conn):
    received: asyncio.Queue[str] = asyncio.Queue()
    await conn.add_listener(QUEUE_CHANNEL, lambda *args: received.put_nowait(args[-1]))
    report = await manager.enqueue(AS_OF, ReportParameters(store_ids=["s1", "s2"]))
    assert report.status is ReportState.queued
    assert report.as_of == AS_OF
    assert report.parameters == {"store_ids": ["s1", "s2"]}
    assert report.attempts == 0 and report.worker_id is None
    assert await asyncio.wait_for(received.get(), 5) == str(report.id)
    every_store = await manager.enqueue(AS_OF)
    assert every_store.parameters == {}
    assert json.loads(await conn.fetchval("select parameters::text from report where id = $1", every_store.id)) == {}


async def test_claim_takes_the_oldest_queued_report_and_leases_it(manager, conn):
    first = await manager.enqueue(AS_OF)
    second = await manager.enqueue(AS_OF)
    claimed = await manager.claim("w1", LEASE, MAX_ATTEMPTS)
    assert claimed.id == first.id
    assert claimed.status is ReportState.running
    assert claimed.worker_id == "w1" and claimed.attempts == 1 and claimed.started_at is not None
    lease_left = await conn.fetchval("select lease_expires_at - now() from report where id = $1", first.id)
    assert timedelta(seconds=LEASE - 5) < lease_left <= timedelta(seconds=LEASE)
    assert (await manager.claim("w2", LEASE, MAX_ATTEMPTS)).id == second.id
    assert await manager.claim("w3", LEASE, MAX_ATTEMPTS) is None


async def test_concurrent_claims_never_share_a_report(manager):
    queued = {(await manager.enqueue(AS_OF)).id for _ in range(3)}
    claims = await asyncio.gather(*(manager.claim(f"w{i}", LEASE, MAX_ATTEMPTS) for i in range(10)))
    claimed = [c.id for c in claims if c is not None]
    assert sorted(claimed) == sorted(queued)


async def expire_lease(conn, report_id) -> None:
    """The report's lease runs out now (in SQL: no test waits for a short real lease)."""
    await conn.execute("update report set lease_expires_at = now() - interval '1 s' where id = $1", report_id)


async def test_a_running_report_is_claimed_again_only_after_its_lease_expired(manager, conn):
    report = await manager.enqueue(AS_OF)
    await manager.claim("dead", LEASE, MAX_ATTEMPTS)
    assert await manager.claim("w2", LEASE, MAX_ATTEMPTS) is None
    await expire_lease(conn, report.id)
    taken_over = await manager.claim("w2", LEASE, MAX_ATTEMPTS)
    assert taken_over.id == report.id and taken_over.worker_id == "w2" and taken_over.attempts == 2
    assert not await manager.extend_lease(report.id, "dead", LEASE)
    assert await manager.complete(report.id, "dead") is None
    assert await manager.fail(report.id, "dead", "late") is None
    assert await manager.hand_back(report.id, "dead") is None


async def test_heartbeat_extends_only_the_owners_lease(manager, conn):
    report = await manager.enqueue(AS_OF)
    await manager.claim("w1", 1, MAX_ATTEMPTS)
    assert await manager.extend_lease(report.id, "w1", LEASE)
    lease_left = await conn.fetchval("select lease_expires_at - now() from report where id = $1", report.id)
    assert lease_left > timedelta(seconds=LEASE - 5)
    assert not await manager.extend_lease(report.id, "w2", LEASE)
    await manager.cancel(report.id)
    assert not await manager.extend_lease(report.id, "w1", LEASE)


async def test_abandoned_reports_fail_after_max_attempts(manager, conn):
    report = await manager.enqueue(AS_OF)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = await manager.claim(f"w{attempt}", LEASE, MAX_ATTEMPTS)
        assert claimed.attempts == attempt
        assert await manager.fail_abandoned(MAX_ATTEMPTS) == []  # its lease is current
        await expire_lease(conn, report.id)
        assert await manager.fail_abandoned(MAX_ATTEMPTS) == ([report.id] if attempt == MAX_ATTEMPTS else [])
    failed = await manager.get(report.id)
    assert failed.status is ReportState.failed and failed.finished_at is not None
    assert "gave up after 3 attempts" in failed.error and "lease expired" in failed.error
    assert await manager.claim("w9", LEASE, MAX_ATTEMPTS) is None


async def test_complete_needs_ownership_and_every_shard_committed(manager, conn):
    report = await manager.enqueue(AS_OF)
    await manager.claim("w1", LEASE, MAX_ATTEMPTS)
    await add_shard(conn, report.id, 0, finished=True, stores=["a", "b"])
    await add_shard(conn, report.id, 1, finished=False)
    assert await manager.complete(report.id, "w1") is None
    progress = await manager.shard_progress(report.id)
    assert (progress.shards, progress.unfinished_shards, progress.rows, progress.stores_total) == (2, 1, 2, None)
    await conn.execute("update report_shard set finished_at = now() where report_id = $1", report.id)
    await conn.executemany("insert into report_row values ($1, $2, 1, 1, 1, 0, 0, 0)", [(report.id, "c")])
    assert await manager.complete(report.id, "w2") is None
    await conn.execute("update report set stores_total = 4 where id = $1", report.id)
    assert await manager.complete(report.id, "w1") is None  # a store without its row
    await conn.execute("update report set stores_total = 3 where id = $1", report.id)
    completed = await manager.complete(report.id, "w1")
    assert completed.status is ReportState.complete and completed.row_count == 3
    assert completed.worker_id is None and completed.lease_expires_at is None and completed.finished_at
    assert await manager.cancel(report.id) is None


async def test_retry_requeues_with_the_error_and_fail_keeps_the_reason(manager, conn):
    received: asyncio.Queue[str] = asyncio.Queue()
    report = await manager.enqueue(AS_OF)
    await conn.add_listener(QUEUE_CHANNEL, lambda *args: received.put_nowait(args[-1]))
    await manager.claim("w1", LEASE, MAX_ATTEMPTS)
    retried = await manager.retry(report.id, "w1", "boom")
    assert retried.status is ReportState.queued and retried.error == "boom" and retried.attempts == 1
    assert retried.worker_id is None and retried.lease_expires_at is None
    assert await asyncio.wait_for(received.get(), 5) == str(report.id)
    await manager.claim("w2", LEASE, MAX_ATTEMPTS)
    failed = await manager.fail(report.id, "w2", "boom again")
    assert failed.status is ReportState.failed and failed.error == "boom again" and failed.attempts == 2


async def test_hand_back_requeues_without_counting_the_attempt(manager):
    report = await manager.enqueue(AS_OF)
    await manager.claim("w1", LEASE, MAX_ATTEMPTS)
    handed_back = await manager.hand_back(report.id, "w1")
    assert handed_back.status is ReportState.queued and handed_back.attempts == 0
    assert handed_back.worker_id is None and handed_back.lease_expires_at is None
    assert (await manager.claim("w2", LEASE, MAX_ATTEMPTS)).id == report.id


async def test_cancel_stops_queued_and_running_reports_and_deletes_partial_rows(manager, conn):
    queued = await manager.enqueue(AS_OF)
    running = await manager.enqueue(AS_OF)
    await manager.claim("w1", LEASE, MAX_ATTEMPTS)  # the older one
    queued, running = running, queued
    await add_shard(conn, running.id, 0, finished=True, stores=["a"])
    for report in (queued, running):
        cancelled = await manager.cancel(report.id)
        assert cancelled.status is ReportState.cancelled and cancelled.finished_at is not None
    assert await conn.fetchval("select count(*) from report_row") == 0
    assert await conn.fetchval("select count(*) from report_shard") == 0
    assert await manager.cancel(running.id) is None
    assert await manager.cancel(uuid.uuid4()) is None
    assert await manager.claim("w2", LEASE, MAX_ATTEMPTS) is None
    # A shard that committed after the cancel is deleted by the worker that ran it.
    await add_shard(conn, running.id, 1, finished=True, stores=["b"])
    await manager.discard_cancelled_rows(running.id)
    assert await conn.fetchval("select count(*) from report_row") == 0


async def test_discard_never_touches_a_live_report(manager, conn):
    report = await manager.enqueue(AS_OF)
    await add_shard(conn, report.id, 0, finished=True, stores=["a"])
    await manager.discard_cancelled_rows(report.id)
    assert await conn.fetchval("select count(*) from report_row") == 1


async def test_claim_by_id_takes_only_that_queued_report(manager):
    older = await manager.enqueue(AS_OF)
    mine = await manager.enqueue(AS_OF)
    claimed = await manager.claim_by_id(mine.id, "cli", LEASE)
    assert claimed.id == mine.id and claimed.status is ReportState.running
    assert await manager.claim_by_id(mine.id, "cli", LEASE) is None
    assert (await manager.get(older.id)).status is ReportState.queued


async def test_list_is_most_recent_first_and_paginated(manager):
    ids = [(await manager.enqueue(AS_OF)).id for _ in range(5)]
    assert [r.id for r in await manager.list_recent(3, 0)] == ids[::-1][:3]
    assert [r.id for r in await manager.list_recent(3, 3)] == ids[::-1][3:]
    assert await manager.list_recent(3, 6) == []
    assert await manager.get(uuid.uuid4()) is None


async def test_store_and_poll_checks(manager, conn):
    await conn.executemany(
        "insert into store_status values ($1, 'active', $2)",
        [("s1", AS_OF - timedelta(hours=1)), ("s2", AS_OF)],
    )
    assert await manager.unknown_store_ids(["s2", "nope", "s1", "also nope"]) == ["nope", "also nope"]
    assert await manager.has_polls_until(AS_OF - timedelta(hours=1))
    assert not await manager.has_polls_until(AS_OF - timedelta(hours=2))
    assert await manager.check_schema() is None
