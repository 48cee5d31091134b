"""A load killed in the middle (SIGKILL of `python -m app ingest`) leaves the file's polls all there or not there
at all, and the next load finishes the job exactly; and the two-phase commit's recovery, directly."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from app.config import PROJECT_ROOT, Settings
from app.db.two_phase import GID_PREFIX, recover_interrupted_loads, run_in_parts
from app.ingest import ingest
from app.sample import generate_sample

# What pg_stat_activity (or pg_prepared_xacts) shows while the load is in each phase.
RUNNING = """select exists (select from pg_stat_activity where datname = current_database() and state = 'active'
                            and pid <> pg_backend_pid() and query like '{}')"""
PHASES = {
    "copy": RUNNING.format('COPY "staging"."poll"%'),  # the parallel COPY into staging
    "move": RUNNING.format('COPY "store_status"%'),  # the parts' COPY into store_status
    "analyze": RUNNING.format("%analyze_poll_chunks%"),  # a part analyzing its chunks before it is prepared
    "prepared": "select exists (select from pg_prepared_xacts where database = current_database())",
}
EARLIER = ["e1,active,2024-01-01 00:00:00 UTC", "e2,inactive,2024-01-02 00:00:00 UTC"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """About 200 k polls: a load takes a few seconds, long enough to be caught in each phase."""
    out = tmp_path_factory.mktemp("kill-sample")
    generate_sample(out, stores=1500, days=8, seed=3)
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
                            "where timestamp_utc >= '2024-03-01'")
    return [tuple(r) for r in rows]


def ingest_process(settings: Settings, path: Path, rejects: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"DATA_DIR": str(settings.data_dir), "PG_PORT": str(settings.pg_port),
            "PG_DATABASE": settings.pg_database}
    return subprocess.Popen([sys.executable, "-m", "app", "ingest", "--status", str(path), "--workers", "2",
                             "--rejects", str(rejects)], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def kill_when(conn: asyncpg.Connection, process: subprocess.Popen, phase_sql: str,
                    timeout: float = 60) -> bool:
    """SIGKILL the process as soon as the phase shows; False when it finished first."""
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        if await conn.fetchval(phase_sql):
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            return True
        assert time.monotonic() < deadline, "the load neither reached the phase nor finished"
        await asyncio.sleep(0.005)
    return False


async def decided_parts_pending(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval(
        "select exists (select from staging.load_decision d join pg_prepared_xacts x "
        "on x.gid like $1 || d.load_id || '-%')", GID_PREFIX)


@pytest.mark.parametrize("phase", list(PHASES))
async def test_killed_load_is_all_or_nothing_and_a_rerun_finishes_it(db_settings, tmp_path, sample, expected,
                                                                      phase):
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("\n".join(["store_id,status,timestamp_utc", *EARLIER]) + "\n")
    assert (await ingest(db_settings, status=earlier, progress=False)).ok
    conn = await asyncpg.connect(db_settings.dsn())
    try:
        process = ingest_process(db_settings, sample, tmp_path / "rejects.csv")
        killed = await kill_when(conn, process, PHASES[phase])
        if not killed:
            assert process.returncode == 0, process.stderr.read().decode()
        if phase != "prepared":
            assert killed, f"the load finished before its {phase} phase was seen"
        stored = len(await sample_polls(conn))
        # Committing the prepared parts once the decision is recorded takes a few milliseconds: a kill just then
        # leaves some parts committed and the others to the next load, which must commit them.
        assert stored in (0, len(expected)) or await decided_parts_pending(conn), stored
        if phase != "prepared":
            assert stored == 0

        result = await ingest(db_settings, status=sample, progress=False, rejects=tmp_path / "rejects.csv")
        assert result.ok and result.files[0].rejected == 0
        polls = await sample_polls(conn)
        assert len(polls) == len(set(polls)) == len(expected) and set(polls) == expected
        assert await conn.fetchval("select count(*) from store_status where timestamp_utc < '2024-03-01'") == 2
        assert await conn.fetchval("select count(*) from pg_prepared_xacts") == 0
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
        assert [r[0] for r in await conns[2].fetch("select gid from pg_prepared_xacts")] == ["someone-else"]
        assert await conns[2].fetchval("select count(*) from staging.load_decision") == 0
        assert await recover_interrupted_loads(conns[2]) == 0
    finally:
        await conns[2].execute("rollback prepared 'someone-else'")
        for c in conns:
            await c.close()


async def test_a_failing_part_rolls_back_every_part(db_settings):
    coordinator = await asyncpg.connect(db_settings.dsn())
    conns = [await asyncpg.connect(db_settings.dsn()) for _ in range(3)]

    async def work(conn: asyncpg.Connection, part: int) -> int:
        await conn.execute("insert into store_timezone values ($1, 'UTC')", f"p{part}")
        if part == 1:
            await asyncio.sleep(0.2)  # the other parts are prepared by now
            raise RuntimeError("part 1 failed")
        return 1

    try:
        with pytest.raises(RuntimeError, match="part 1 failed"):
            await run_in_parts(coordinator, conns, work)
        assert await coordinator.fetchval("select count(*) from pg_prepared_xacts") == 0
        assert await coordinator.fetchval("select count(*) from store_timezone") == 0
        assert await run_in_parts(coordinator, conns, lambda conn, part: work(conn, part + 10)) == 3
        assert await coordinator.fetchval("select count(*) from store_timezone") == 3
        assert await coordinator.fetchval("select count(*) from staging.load_decision") == 0
    finally:
        for c in [coordinator, *conns]:
            await c.close()
