"""A streaming replica of the test run's server (app/db/replica.py's LocalReplica): its own free port and data
directory inside the run's folder (`replica/pg`), made by a base backup when a test module first needs it and
destroyed after. Settings that make the engine compute shards on it, and helpers to wait for it, pause its replay
and stop it mid-report."""

from __future__ import annotations

import asyncio

import asyncpg

from app.config import Settings
from app.db.replica import LocalReplica
from app.report.replicas import ReplicaSet
from tests.support.database import TestServer, free_port


class TestReplica:
    __test__ = False  # not a test class, despite its name

    def __init__(self, server: TestServer) -> None:
        self.local = LocalReplica.of(server.cluster(), server.data_dir.parent / "replica" / "pg", free_port())

    def start(self) -> None:
        self.local.start()

    def stop(self, mode: str = "fast") -> None:
        self.local.stop(mode)

    def destroy(self) -> None:
        self.local.destroy()

    def dsn(self, database: str = "postgres") -> str:
        return self.local.dsn(database)

    def replica_set(self, settings: Settings, wait_seconds: float = 10.0) -> ReplicaSet:
        """The engine's view of this replica for the database of `settings`."""
        on_replica = settings.model_copy(update={"replica_urls": self.dsn(settings.pg_database),
                                                 "replica_wait_seconds": wait_seconds})
        return ReplicaSet(on_replica, on_replica.replicas)

    async def caught_up(self, settings: Settings, timeout: float = 30.0) -> None:
        """Wait until the replica has replayed the primary's WAL as of now (a new database exists there, ...)."""
        primary = await asyncpg.connect(settings.dsn("postgres"))
        try:
            lsn = await primary.fetchval("select pg_current_wal_lsn()")
        finally:
            await primary.close()
        replica = await asyncpg.connect(self.dsn())
        try:
            async with asyncio.timeout(timeout):
                while not await replica.fetchval("select pg_last_wal_replay_lsn() >= $1", lsn):
                    await asyncio.sleep(0.02)
        finally:
            await replica.close()

    async def execute(self, sql: str) -> None:
        conn = await asyncpg.connect(self.dsn())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def pause_replay(self) -> None:
        await self.execute("select pg_wal_replay_pause()")

    async def resume_replay(self) -> None:
        await self.execute("select pg_wal_replay_resume()")

    async def wait_for_blocked_shard(self, timeout: float = 30.0) -> None:
        """Wait until a shard's statement runs on the replica and waits there for a lock."""
        conn = await asyncpg.connect(self.dsn())
        try:
            async with asyncio.timeout(timeout):
                while not await conn.fetchval(
                        "select exists (select from pg_stat_activity where query like '%report_rows_v4%' "
                        "and wait_event_type = 'Lock' and pid <> pg_backend_pid())"):
                    await asyncio.sleep(0.02)
        finally:
            await conn.close()
