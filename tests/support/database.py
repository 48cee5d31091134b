"""The tests' own PostgreSQL + TimescaleDB server: one per test run, on a free port, in a data directory of the
run's own, with a template database named after the run. Two runs on one machine (two checkouts, or CI beside a
developer) never share a server, a port or a template.

A database per test is `CREATE DATABASE ... TEMPLATE` of the migrated template (procrastinate's pattern)."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from app.config import PROJECT_ROOT, Settings
from app.db.cluster import Cluster
from app.db.migrate import migrate

RUNS_DIR = PROJECT_ROOT / ".data" / "test-runs"


def free_port() -> int:
    """A TCP port nothing listens on right now (the kernel's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestServer:
    """The run's server: where it lives, and settings for any database on it."""

    __test__ = False  # not a test class, despite its name

    def __init__(self) -> None:
        self.port = int(os.environ.get("STOREPULSE_TEST_PORT") or free_port())
        self.run_id = f"{os.getpid()}_{self.port}"
        self.data_dir = RUNS_DIR / self.run_id / "pg"
        self.template = f"template_{self.run_id}"

    def settings(self, database: str, **overrides: object) -> Settings:
        settings = Settings(database_url=None, data_dir=self.data_dir, pg_port=self.port, pg_database=database,
                            _env_file=None)
        return settings.model_copy(update=overrides) if overrides else settings

    def cluster(self) -> Cluster:
        s = self.settings("postgres")
        # No TimescaleDB background workers: they hold connections that block CREATE DATABASE ... TEMPLATE.
        return Cluster(s.data_dir, s.pg_port, s.pg_bin_dir, s.socket_dir, background_workers=0)

    def start(self) -> None:
        _remove_abandoned_runs()
        self.cluster().start()
        asyncio.run(self._build_template())

    def stop(self) -> None:
        self.cluster().stop()
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    async def admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.settings("postgres").dsn())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def _build_template(self) -> None:
        await self.admin(f'create database "{self.template}"')
        conn = await asyncpg.connect(self.settings(self.template).dsn())
        try:
            await migrate(conn)
        finally:
            await conn.close()

    def create_database(self, prefix: str = "t") -> Settings:
        """A fresh, migrated, empty database (drop it with drop_database)."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        asyncio.run(self.admin(f'create database "{name}" template "{self.template}"'))
        return self.settings(name)

    def drop_database(self, settings: Settings) -> None:
        asyncio.run(self.admin(f'drop database if exists "{settings.pg_database}" with (force)'))

    @contextmanager
    def database(self, prefix: str = "t") -> Iterator[Settings]:
        settings = self.create_database(prefix)
        try:
            yield settings
        finally:
            self.drop_database(settings)


@contextmanager
def cluster_home(name: str) -> Iterator[Settings]:
    """Settings for an embedded cluster of the test's own (its data directory under the run's, a free port), for
    commands that set one up themselves (`db start`); whatever runs there is stopped and removed afterwards."""
    root = SERVER.data_dir.parent / "clusters" / f"{name}-{uuid.uuid4().hex[:6]}"
    root.mkdir(parents=True)
    settings = Settings(database_url=None, data_dir=root / "pg", pg_port=free_port(), _env_file=None)
    try:
        yield settings
    finally:
        cluster = Cluster.from_settings(settings)
        if cluster.running():
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def throwaway_cluster(name: str, extra_conf: str) -> Iterator[Settings]:
    """A running cluster of the test's own, initialised as the app does it, with `extra_conf` appended to its
    postgresql.conf (after the app's settings, so it wins): a server set up differently from the run's.
    The settings name its `storepulse` database, which is not created."""
    with cluster_home(name) as settings:
        cluster = Cluster(settings.data_dir, settings.pg_port, settings.pg_bin_dir, settings.socket_dir,
                          background_workers=0)
        cluster.init()
        with (settings.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# the test's own settings\n{extra_conf}\n")
        cluster.start()
        yield settings


async def fetch(settings: Settings, sql: str, *args: object) -> list[tuple]:
    """The rows of one query on a connection of its own, as tuples."""
    conn = await asyncpg.connect(settings.dsn())
    try:
        return [tuple(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


def _remove_abandoned_runs() -> None:
    """Data directories of earlier runs whose server is gone (a run killed before its clean-up)."""
    if not RUNS_DIR.is_dir():
        return
    for run in RUNS_DIR.iterdir():
        pid_file = run / "pg" / "postmaster.pid"
        if not pid_file.exists() or not _alive(int(pid_file.read_text().split()[0])):
            _stop_replica_of_abandoned_run(run / "replica" / "pg")
            shutil.rmtree(run, ignore_errors=True)


def _stop_replica_of_abandoned_run(data_dir: Path) -> None:
    """A streaming replica (tests/support/replica.py) outlives its primary when a run is killed: stop it."""
    pid_file = data_dir / "postmaster.pid"
    if pid_file.exists() and _alive(int(pid_file.read_text().split()[0])):
        Cluster(data_dir, 0, Settings(_env_file=None).pg_bin_dir, data_dir.parent / "run").stop("immediate")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


SERVER = TestServer()
