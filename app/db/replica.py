"""A local streaming replica of the embedded cluster (`python -m app db replica start|stop`), for trying REPLICA_URLS
on one machine and for the tests: a hot standby made by a base backup of the running cluster (pg_basebackup, which
writes standby.signal and primary_conninfo), in a data directory of its own (`replica/pg` beside the cluster's) with
its own port and socket, streaming the cluster's WAL through a replication slot (so a stopped replica catches up
when started again, up to the cluster's max_slot_wal_keep_size).

Like the cluster, it runs as the `postgres` user when we are root."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.config import Settings
from app.db.cluster import Cluster
from app.db.queries import queries
from app.errors import DatabaseSetupError

SLOT = "storepulse_local_replica"  # one local replica per cluster


@dataclass
class LocalReplica:
    primary: Cluster
    server: Cluster  # standby=True: started and stopped like the cluster, never initialised by initdb
    user: str = "postgres"

    @classmethod
    def of(cls, primary: Cluster, data_dir: Path, port: int, user: str = "postgres") -> "LocalReplica":
        server = Cluster(data_dir, port, primary.bin_dir, data_dir.parent / "run", primary.background_workers,
                         standby=True)
        return cls(primary, server, user)

    @classmethod
    def from_settings(cls, settings: Settings) -> "LocalReplica":
        return cls.of(Cluster.from_settings(settings), settings.replica_data_dir, settings.replica_port,
                      settings.pg_user)

    def dsn(self, database: str) -> str:
        return f"postgresql://{self.user}@/{database}?host={self.server.socket_dir}&port={self.server.port}"

    def start(self) -> bool:
        """Make the replica if it does not exist yet (a base backup of the running cluster), then start it; returns
        False when it was running already. The cluster must run with wal_level replica (check_primary_streams)."""
        if self.server.running():
            return False
        if not self.server.initialized():
            self._base_backup()
        self.server.start()
        return True

    def stop(self, mode: str = "fast") -> bool:
        """Stop the replica, keeping its data and slot (`immediate`: as if it crashed)."""
        return self.server.stop(mode)

    def destroy(self) -> None:
        """Stop the replica, delete its data and, when the cluster runs, drop its slot (which keeps WAL for it)."""
        self.server.stop("immediate")
        shutil.rmtree(self.server.data_dir, ignore_errors=True)
        if self.primary.running():
            self._drop_slot()

    def _base_backup(self) -> None:
        data_dir = self.server.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        if any(data_dir.iterdir()):
            raise DatabaseSetupError(f"{data_dir} is not empty and holds no PostgreSQL data directory: remove it")
        data_dir.chmod(0o700)
        self.primary.give_to_postgres(data_dir.parent)
        self.primary.give_to_postgres(data_dir)
        self._drop_slot()  # left by a replica whose data directory was deleted
        self.primary.run_tool(
            "pg_basebackup", "--pgdata", str(data_dir), "--host", str(self.primary.socket_dir),
            "--port", str(self.primary.port), "--username", self.user, "--no-password",
            "--wal-method", "stream", "--checkpoint", "fast", "--write-recovery-conf",
            "--create-slot", "--slot", SLOT,
        )

    def _drop_slot(self) -> None:
        self.primary.run_tool(
            "pg_receivewal", "--drop-slot", "--slot", SLOT, "--host", str(self.primary.socket_dir),
            "--port", str(self.primary.port), "--username", self.user, "--no-password", check=False,
        )


async def check_primary_streams(conn: asyncpg.Connection) -> None:
    """A server that replicas can stream from: wal_level replica (or logical) and WAL senders to spare."""
    row = await conn.fetchrow(queries["replication_settings"])
    if row["wal_level"] == "minimal" or row["max_wal_senders"] < 2:
        raise DatabaseSetupError(
            f"the database runs with wal_level = {row['wal_level']} and max_wal_senders = {row['max_wal_senders']}, "
            "which allows no replica: it was started before storepulse switched to wal_level = replica; restart it "
            "(`python -m app db stop && python -m app db start`)"
        )
