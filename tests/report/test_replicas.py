"""Report shards computed on a streaming replica (app/report/replicas.py), against a real local replica of the
run's server (tests/support/replica.py: base backup, own port and data directory, destroyed after the module):
identical reports from primary and replica; a report right after a load waits for the replica to replay it; a
replica stopped mid-shard, and a replica lagging past the wait, leave the shards to the primary, with nothing
duplicated or lost."""

import asyncio
import time
from datetime import timedelta

import pytest

from app.db.connect import connect
from app.db.queries import queries
from app.ingest import ingest
from app.jobs.inline import run_report_inline
from app.report.engine import run_report
from app.report.parameters import DayRange
from app.report.replicas import ReplicaSet
from app.sample import generate_sample
from tests.support.database import free_port
from tests.support.replica import TestReplica
from tests.support.reports import create_report, csv_text, stored_rows


@pytest.fixture(scope="module")
def replica(pg_server):
    streaming = TestReplica(pg_server)
    streaming.start()
    yield streaming
    streaming.destroy()


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, stores=300, days=9, seed=7)
    return out


@pytest.fixture
async def loaded(db_settings, pool, small_sample, replica):
    """The sample loaded on the primary, and the test's database replayed on the replica."""
    assert (await ingest(db_settings, small_sample, progress=False)).ok
    await replica.caught_up(db_settings)
    return pool


@pytest.fixture
async def on_replica(db_settings, replica):
    replicas = replica.replica_set(db_settings)
    yield replicas
    await replicas.close()


async def places(pool, report_id) -> list[str]:
    """Where each shard was computed, in shard order."""
    rows = await pool.fetch("select computed_on from report_shard where report_id = $1 order by shard", report_id)
    return [r["computed_on"] for r in rows]


async def primary_report(pool, as_of, shards=2) -> tuple[dict, str]:
    """A report computed on the primary alone: its rows and CSV."""
    async with pool.acquire() as conn:
        report = await create_report(conn, as_of)
    await run_report(pool, report, shards=shards)
    assert await places(pool, report.id) == ["primary"] * shards
    async with pool.acquire() as conn:
        return await stored_rows(conn, report.id), await csv_text(conn, report.id)


async def stores_counted(pool, report_id) -> tuple[int, int, int]:
    return tuple(await pool.fetchrow(
        "select stores_total, stores_done, (select count(*)::int from report_row where report_id = $1) "
        "from report where id = $1", report_id))


async def test_replica_report_is_identical_to_primary(db_settings, loaded, replica, tmp_path):
    """Through the command line's path (a worker with REPLICA_URLS): the figures and the days, byte for byte."""
    pool = loaded
    as_of = await pool.fetchval("select newest_poll_v1()")
    days = DayRange(**{"from": as_of.date() - timedelta(days=6), "to": as_of.date()})
    outputs = {}
    for where, settings in [("primary", db_settings),
                            ("replica", db_settings.model_copy(update={"replica_urls": replica.dsn(
                                db_settings.pg_database), "report_shards": 3}))]:
        report = await run_report_inline(settings, tmp_path / f"{where}.csv", as_of, days=days,
                                         days_output=tmp_path / f"{where}_days.csv")
        outputs[where] = report, await places(pool, report.id)
    (primary, on_primary), (standby, on_standby) = outputs["primary"], outputs["replica"]
    assert on_primary == ["primary"] * 2
    assert on_standby == [on_standby[0]] * 3 and on_standby[0].endswith(f":{replica.local.server.port}")
    assert standby.primary_lsn is not None
    assert (tmp_path / "replica.csv").read_text() == (tmp_path / "primary.csv").read_text()
    assert (tmp_path / "replica_days.csv").read_text() == (tmp_path / "primary_days.csv").read_text()
    assert len((tmp_path / "replica_days.csv").read_text().splitlines()) > 7 * 250
    # Their outages too, computed with the days by the shards, on the replica and on the primary.
    outage_rows = ("select store_id, start_utc, end_utc from report_outage where report_id = $1 "
                   "order by store_id, start_utc")
    assert standby.outages_at is not None and primary.outages_at is not None
    assert await pool.fetch(outage_rows, standby.id) == await pool.fetch(outage_rows, primary.id) != []
    total, done, rows = await stores_counted(pool, standby.id)
    assert total == done == rows == primary.row_count > 250


async def resume_after(replica, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await replica.resume_replay()


async def test_report_right_after_a_load_waits_for_the_replica(loaded, on_replica, replica):
    pool = loaded
    as_of = await pool.fetchval("select newest_poll_v1()")
    async with pool.acquire() as conn:
        before = await create_report(conn, as_of)
    await run_report(pool, before, shards=2, replicas=on_replica)
    await replica.pause_replay()
    try:
        # An outside load (the summary is stale after it): every store inactive half an hour before as_of.
        await pool.execute("insert into store_status (store_id, status, timestamp_utc) "
                           "select store_id, 'inactive', $1::timestamptz - interval '30 minutes' from polled_store",
                           as_of)
        async with pool.acquire() as conn:
            after = await create_report(conn, as_of)
        resumed = asyncio.create_task(resume_after(replica, 1.0))
        started = time.perf_counter()
        await run_report(pool, after, shards=2, replicas=on_replica)
        waited = time.perf_counter() - started
    finally:
        await resumed
        await replica.resume_replay()
    assert waited >= 1.0
    port = f":{replica.local.server.port}"
    assert all(p.endswith(port) for p in await places(pool, before.id) + await places(pool, after.id))
    expected, _ = await primary_report(pool, as_of)
    async with pool.acquire() as conn:
        got, earlier = await stored_rows(conn, after.id), await stored_rows(conn, before.id)
    assert got == expected
    assert sum(got[s] != earlier[s] for s in got) > 100  # the load is in it


async def test_replica_stopped_mid_shard(db_settings, loaded, on_replica, replica):
    """The replica dies while its shard statements run: they are computed again on the primary, once."""
    pool = loaded
    as_of = await pool.fetchval("select newest_poll_v1()")
    expected, expected_csv = await primary_report(pool, as_of)
    async with pool.acquire() as conn:
        report = await create_report(conn, as_of)
    # Replayed on the replica, this lock holds its shard statements mid-way, until the replica is stopped.
    blocker = await connect(db_settings)
    try:
        async with blocker.transaction():
            await blocker.execute("lock table store_hours in access exclusive mode")
            run = asyncio.create_task(run_report(pool, report, shards=2, replicas=on_replica))
            await replica.wait_for_blocked_shard()
            await asyncio.to_thread(replica.stop, "immediate")
        await run
    finally:
        await blocker.close()
        await asyncio.to_thread(replica.start)
    assert await places(pool, report.id) == ["primary", "primary"]
    async with pool.acquire() as conn:
        assert await stored_rows(conn, report.id) == expected
        assert await csv_text(conn, report.id) == expected_csv
    total, done, rows = await stores_counted(pool, report.id)
    assert total == done == rows == len(expected)


async def test_lagging_replica_past_the_wait_falls_back(db_settings, loaded, replica):
    pool = loaded
    as_of = await pool.fetchval("select newest_poll_v1()")
    expected, _ = await primary_report(pool, as_of)
    lagging = replica.replica_set(db_settings, wait_seconds=0.5)
    async with pool.acquire() as conn:
        report = await create_report(conn, as_of)
    await replica.pause_replay()  # the report's own writes (its shards, its WAL position) are never replayed
    try:
        started = time.perf_counter()
        await run_report(pool, report, shards=2, replicas=lagging)
        took = time.perf_counter() - started
    finally:
        await replica.resume_replay()
        await lagging.close()
    assert 0.5 <= took < 5
    assert await places(pool, report.id) == ["primary", "primary"]
    async with pool.acquire() as conn:
        assert await stored_rows(conn, report.id) == expected


async def test_unreachable_replica_falls_back_at_once(db_settings, pool, small_sample):
    assert (await ingest(db_settings, small_sample, progress=False)).ok
    as_of = await pool.fetchval("select newest_poll_v1()")
    expected, _ = await primary_report(pool, as_of)
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/{db_settings.pg_database}"
    unreachable = ReplicaSet(db_settings.model_copy(update={"replica_urls": nowhere}), [nowhere])
    async with pool.acquire() as conn:
        report = await create_report(conn, as_of)
    try:
        started = time.perf_counter()
        await run_report(pool, report, shards=2, replicas=unreachable)
        took = time.perf_counter() - started
    finally:
        await unreachable.close()
    assert took < 5
    assert await places(pool, report.id) == ["primary", "primary"]
    async with pool.acquire() as conn:
        assert await stored_rows(conn, report.id) == expected


async def test_rows_for_a_finished_shard_are_not_stored_again(loaded, on_replica):
    """A second worker finishing the same shard (its lease ran out meanwhile) stores nothing."""
    pool = loaded
    as_of = await pool.fetchval("select newest_poll_v1()")
    async with pool.acquire() as conn:
        report = await create_report(conn, as_of)
    await run_report(pool, report, shards=2, replicas=on_replica)
    async with pool.acquire() as conn:
        rows, counted, where = await stored_rows(conn, report.id), await stores_counted(pool, report.id), \
            await places(pool, report.id)
        async with conn.transaction():
            await conn.execute(queries["create_replica_shard_rows"])
            await conn.execute("insert into replica_shard_rows_v4 select store_id, 1, 1, 1, 1, 1, 1 "
                               "from report_row where report_id = $1", report.id)
            assert await conn.fetchval(queries["store_replica_shard_rows"], report.id, 0, "elsewhere") is None
        assert await stored_rows(conn, report.id) == rows
    assert await stores_counted(pool, report.id) == counted
    assert await places(pool, report.id) == where
