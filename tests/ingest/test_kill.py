"""A load killed in the middle (SIGKILL of `python -m app ingest`) leaves the file's polls all there or not there
at all, and the next load finishes the job exactly; and the two-phase commit's recovery, directly.

Each kill lands where the test says: a lock the test holds stops the load at a known statement, the test sees the
load's backends waiting there (pg_stat_activity), and only then kills it."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

import asyncpg
import pytest

from app.config import Settings
from app.db.two_phase import GID_PREFIX, recover_interrupted_loads, run_in_parts
from app.ingest import ingest
from app.sample import generate_sample
from tests.support.commands import AppProcess
from tests.support.locks import HeldLock, alone_but, hold_statements, lock_waits
from tests.support.wait import wait_until

PARTS = 2  # `--workers 2`: two byte ranges COPYed into staging, then the move in two parts
EARLIER = ["e1,active,2024-01-01 00:00:00 UTC", "e2,inactive,2024-01-02 00:00:00 UTC"]
SAMPLE_FROM = datetime(2024, 3, 1, tzinfo=UTC)  # the sample's polls are all later, EARLIER's before


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """About 60 k polls over 8 days: two byte ranges, and two parts of the move."""
    out = tmp_path_factory.mktemp("kill-sample")
    generate_sample(out, stores=300, days=8, seed=3)
    return out / "store_status.csv"


@pytest.fixture(scope="module")
def expected(sample: Path) -> set[tuple[str, str, datetime]]:
    with sample.open() as f:
        f.readline()
        return {parse(line) for line in f}


def parse(line: str) -> tuple[str, str, datetime]:
    store_id, status, stamp = line.rstrip("\n").split(",")
    return store_id, status.strip().lower(), datetime.fromisoformat(stamp.replace(" UTC", "+00:00"))


async def sample_polls(conn: asyncpg.Connection) -> list[tuple[str, str, datetime]]:
    rows = await conn.fetch("select store_id, status::text, timestamp_utc from store_status "
                            "where timestamp_utc >= $1", SAMPLE_FROM)
    return [tuple(r) for r in rows]


async def prepared_transactions(conn: asyncpg.Connection) -> list[str]:
    """The prepared transactions of this test's database (the server is shared with other tests' databases)."""
    return [r[0] for r in await conn.fetch(
        "select gid from pg_prepared_xacts where database = current_database() order by gid")]


# --- holding the load in each phase ------------------------------------------------------------------------------


async def hold_analyze(settings: Settings, conn: asyncpg.Connection, days: list[datetime]) -> HeldLock:
    """The sample's chunks made beforehand (the load makes any that are missing before its move) and held in SHARE
    UPDATE EXCLUSIVE mode: the parts' COPY into them goes on (ROW EXCLUSIVE), their ANALYZE waits."""
    await conn.execute("insert into store_status select 'chunk maker', 'active', day "
                       "from unnest($1::timestamptz[]) as day", days)
    await conn.execute("delete from store_status where store_id = 'chunk maker'")
    chunks = [r[0] for r in await conn.fetch(
        "select format('%I.%I', chunk_schema, chunk_name) from timescaledb_information.chunks "
        "where hypertable_name = 'store_status' and range_start >= $1", SAMPLE_FROM)]
    assert len(chunks) == len(days)
    return await HeldLock.take(settings, f"lock table {', '.join(chunks)} in share update exclusive mode")


def hold(table: str, when: str, event: str = "insert",
         ) -> Callable[[Settings, asyncpg.Connection, list[datetime]], Awaitable[HeldLock]]:
    return lambda settings, conn, days: hold_statements(settings, table, when, event)


@dataclass(frozen=True)
class Phase:
    hold: Callable[[Settings, asyncpg.Connection, list[datetime]], Awaitable[HeldLock]]
    waiting_in: str  # the statement (LIKE pattern) the load's backends are seen waiting in
    backends: int  # how many of them wait there
    prepared: int = 0  # the load's transactions the kill leaves prepared
    moved: bool = False  # whether the kill leaves the sample's polls stored (else none of them)
    decisions: int = 0  # the load's decisions the kill leaves recorded


COPYING = "current_query() ilike 'copy%'"
PHASES = {
    # Both ranges' COPY into staging.poll, at their start.
    "copy": Phase(hold("staging.poll", COPYING), 'COPY "staging"."poll"%', PARTS),
    # Both parts' COPY into store_status, at their start: the chunks are made, no poll is moved yet.
    "move": Phase(hold("store_status", COPYING), 'COPY "store_status"%', PARTS),
    # Both parts' ANALYZE of their chunks: every poll is copied, no part is prepared.
    "analyze": Phase(hold_analyze, "%analyze_poll_chunks%", PARTS),
    # The coordinator recording the decision: every part is prepared, nothing is decided.
    "prepared": Phase(hold("staging.load_decision", "true"), "%load_decision%", 1, prepared=PARTS),
    # The coordinator forgetting the decision: every part is committed; the next load forgets it.
    "committed": Phase(hold("staging.load_decision", "exists (select from staging.load_decision)", "delete"),
                       "%load_decision%", 1, moved=True, decisions=1),
}


@pytest.mark.parametrize("phase", list(PHASES))
async def test_killed_load_is_all_or_nothing_and_a_rerun_finishes_it(db_settings, tmp_path, sample, expected,
                                                                      phase):
    """The server notices the killed client within 50 ms (client_connection_check_interval) and ends its backends,
    as it would after any crash of the loader: what they leave must be all or nothing."""
    where = PHASES[phase]
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("\n".join(["store_id,status,timestamp_utc", *EARLIER]) + "\n")
    assert (await ingest(db_settings, status=earlier, progress=False)).ok
    conn = await asyncpg.connect(db_settings.dsn())
    try:
        await conn.execute(f'alter database "{db_settings.pg_database}" set client_connection_check_interval = 50')
        days = sorted({datetime.combine(ts.date(), time(), UTC) for _, _, ts in expected})
        held = await where.hold(db_settings, conn, days)
        load = AppProcess(db_settings, tmp_path / "ingest.log", "ingest", "--status", str(sample),
                          "--workers", str(PARTS), "--rejects", str(tmp_path / "rejects.csv"))
        try:
            async def in_phase() -> bool:
                assert load.alive(), f"the load ended before its {phase} phase:\n{load.output()}"
                return await lock_waits(conn, where.waiting_in) == where.backends

            await wait_until(in_phase, message=f"{where.backends} backend(s) of the load wait in {where.waiting_in}")
            assert load.kill() == -9
            await wait_until(lambda: alone_but(conn, [held.pid]),
                             message="the server ends the killed load's backends")
        finally:
            await held.release()
            load.close()

        assert len(await sample_polls(conn)) == (len(expected) if where.moved else 0)
        assert len(await prepared_transactions(conn)) == where.prepared
        assert await conn.fetchval("select count(*) from staging.load_decision") == where.decisions

        result = await ingest(db_settings, status=sample, progress=False, rejects=tmp_path / "rejects.csv")
        assert result.ok and result.files[0].rejected == 0
        polls = await sample_polls(conn)
        assert len(polls) == len(set(polls)) == len(expected) and set(polls) == expected
        assert await conn.fetchval("select count(*) from store_status where timestamp_utc < $1", SAMPLE_FROM) == 2
        assert await prepared_transactions(conn) == []
        assert await conn.fetchval("select count(*) from staging.load_decision") == 0
    finally:
        await conn.close()


# --- the two-phase commit, directly -------------------------------------------------------------------------------


async def prepare_part(conn: asyncpg.Connection, gid: str, store_id: str) -> None:
    await conn.execute("begin")
    await conn.execute("insert into store_timezone values ($1, 'UTC')", store_id)
    await conn.execute(f"prepare transaction '{gid}'")


async def test_recovery_commits_decided_loads_and_rolls_back_the_others(db_settings):
    conns = [await asyncpg.connect(db_settings.dsn()) for _ in range(3)]
    undecided, decided, half_committed = (uuid.uuid4().hex for _ in range(3))
    try:
        for load_id, name in ((undecided, "u"), (decided, "d"), (half_committed, "h")):
            for part in range(2):
                await prepare_part(conns[part], f"{GID_PREFIX}{load_id}-{part}", f"{name}{part}")
        await prepare_part(conns[2], "someone-else", "x")  # not the loader's: left alone
        await conns[2].execute("insert into staging.load_decision (load_id) values ($1), ($2)",
                               decided, half_committed)
        await conns[2].execute(f"commit prepared '{GID_PREFIX}{half_committed}-0'")  # died while committing

        assert await recover_interrupted_loads(conns[2]) == 5
        assert [r[0] for r in await conns[2].fetch("select store_id from store_timezone order by 1")] == [
            "d0", "d1", "h0", "h1"]
        assert await prepared_transactions(conns[2]) == ["someone-else"]
        assert await conns[2].fetchval("select count(*) from staging.load_decision") == 0
        assert await recover_interrupted_loads(conns[2]) == 0
    finally:
        await conns[2].execute("rollback prepared 'someone-else'")
        for c in conns:
            await c.close()


async def test_a_failing_part_rolls_back_every_part(db_settings):
    coordinator = await asyncpg.connect(db_settings.dsn())
    observer = await asyncpg.connect(db_settings.dsn())
    conns = [await asyncpg.connect(db_settings.dsn()) for _ in range(3)]

    async def work(conn: asyncpg.Connection, part: int) -> int:
        await conn.execute("insert into store_timezone values ($1, 'UTC')", f"p{part}")
        if part == 1:  # fails once the two other parts are prepared
            await wait_until(lambda: observer.fetchval(
                "select count(*) = 2 from pg_prepared_xacts where database = current_database()"),
                message="the other parts are prepared")
            raise RuntimeError("part 1 failed")
        return 1

    try:
        with pytest.raises(RuntimeError, match="part 1 failed"):
            await run_in_parts(coordinator, conns, work)
        assert await prepared_transactions(coordinator) == []
        assert await coordinator.fetchval("select count(*) from store_timezone") == 0
        assert await run_in_parts(coordinator, conns, lambda conn, part: work(conn, part + 10)) == 3
        assert await coordinator.fetchval("select count(*) from store_timezone") == 3
        assert await coordinator.fetchval("select count(*) from staging.load_decision") == 0
    finally:
        for c in [coordinator, observer, *conns]:
            await c.close()
