"""Report shards computed on streaming replicas (REPLICA_URLS).

What runs where: the queue, leases, the summary's upkeep, the shards' plan, the store count and every write stay
on the primary (app/jobs, app/report/engine.py). A shard's SELECT (report_rows_v4, the function the primary's
compute_report_shard runs) runs on a replica once it has replayed the primary's WAL up to the position the run
recorded after bringing the summary up to date, so it sees every write the primary saw then. Its rows come out as
binary COPY (spooled, to disk past a few MB), go into the primary by COPY, and are stored with the shard's
completion and the report's progress in one transaction, only if the shard is still unfinished.

A replica that is unreachable, fails or dies mid-shard, is not a standby, or has not replayed far enough within
replica_wait_seconds is left out for the rest of the run: the shard goes to the next replica, and in the end to
the primary. Nothing reached the primary before the replica finished, so nothing is duplicated or lost. The one
error passed on is the summary going stale under the statement (SQLSTATE SP001): the engine catches up on the
primary and retries, as it does for its own shards."""

import asyncio
import logging
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import IO

import asyncpg

from app.config import Settings
from app.db.connect import create_pool
from app.db.queries import queries
from app.errors import DatabaseSetupError
from app.summary.refresh import STALE_SUMMARY

log = logging.getLogger(__name__)

_REPLAY_POLL_SECONDS = 0.02
_SPOOL_IN_MEMORY = 8 << 20  # bytes of a shard's rows kept in memory before the spool goes to a temporary file
_ROWS_TABLE = "replica_shard_rows_v4"  # the temporary table of create_replica_shard_rows
_CONNECT_TIMEOUT_SECONDS = 5.0


@dataclass(eq=False)
class Replica:
    dsn: str
    pool: asyncpg.Pool | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ReplicaSet:
    """The process's replicas and a pool for each, opened on first use (a replica that is down when the worker
    starts is tried again by every run)."""

    def __init__(self, settings: Settings, dsns: Sequence[str]):
        self.settings = settings
        self.replicas = [Replica(dsn) for dsn in dsns]
        self.wait_seconds = settings.replica_wait_seconds
        self.pool_size = settings.report_shards * settings.worker_concurrency

    @classmethod
    def from_settings(cls, settings: Settings) -> "ReplicaSet | None":
        return cls(settings, settings.replicas) if settings.replicas else None

    async def pool(self, replica: Replica) -> asyncpg.Pool:
        async with replica.lock:
            if replica.pool is None:
                replica.pool = await create_pool(self.settings, dsn=replica.dsn, max_size=self.pool_size,
                                                 connect_timeout=min(_CONNECT_TIMEOUT_SECONDS,
                                                                     max(self.wait_seconds, 1.0)))
            return replica.pool

    async def close(self) -> None:
        for replica in self.replicas:
            if replica.pool is not None:
                await replica.pool.close()
                replica.pool = None


@asynccontextmanager
async def replicas_of(settings: Settings) -> AsyncIterator[ReplicaSet | None]:
    """The replicas of REPLICA_URLS for a worker's life (None without any), their pools closed at the end."""
    replicas = ReplicaSet.from_settings(settings)
    try:
        yield replicas
    finally:
        if replicas is not None:
            await replicas.close()


class ReplicaLeftOut(Exception):
    """This replica cannot compute the shard now; the message says why."""


@dataclass(frozen=True)
class ShardJob:
    report_id: uuid.UUID
    shard: int
    args: tuple  # replica_shard_rows': as_of, store_from, store_to, store_ids, summary_until, days_from, days_to
    lsn: str  # the primary's WAL position the replica must have replayed


class ReplicaRun:
    """One run of a report on the replicas: which shard goes where, and which replicas are left out for the rest
    of the run."""

    def __init__(self, replicas: ReplicaSet, primary: asyncpg.Pool):
        self.replicas = replicas
        self.primary = primary
        self._left_out: set[Replica] = set()

    def candidates(self, shard: int) -> list[Replica]:
        """The replicas still in, starting from a different one for each shard so shards spread over them."""
        everyone = self.replicas.replicas
        turn = shard % len(everyone)
        return [r for r in everyone[turn:] + everyone[:turn] if r not in self._left_out]

    async def compute(self, job: ShardJob) -> bool:
        """Compute the shard on a replica and store its rows on the primary. True once it is finished (by us, or by
        another worker meanwhile); False when no replica could compute it: then the primary must."""
        for replica in self.candidates(job.shard):
            try:
                server, spool = await self._rows_on(replica, job)
            except ReplicaLeftOut as exc:
                self._left_out.add(replica)
                log.warning("report %s shard %d: replica %s left out of this run: %s", job.report_id, job.shard,
                            _safe_name(replica.dsn), exc)
                continue
            with spool:
                await _store(self.primary, job, spool, server)
            return True
        return False

    async def _rows_on(self, replica: Replica, job: ShardJob) -> tuple[str, IO[bytes]]:
        """The shard's rows computed on the replica, as binary COPY data in a spool positioned at its start."""
        try:
            pool = await self.replicas.pool(replica)
            async with pool.acquire() as conn:
                server = await _wait_for_replay(conn, job.lsn, self.replicas.wait_seconds)
                spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115 (returned open)
                try:
                    await _copy_rows(conn, job, spool)
                except BaseException:
                    spool.close()
                    raise
        except asyncpg.PostgresError as exc:
            if exc.sqlstate == STALE_SUMMARY:
                raise  # the engine catches up on the primary and retries
            raise await self._leave_out(replica, exc) from exc
        except (OSError, asyncpg.InterfaceError, TimeoutError, DatabaseSetupError) as exc:
            raise await self._leave_out(replica, exc) from exc
        spool.seek(0)
        return server, spool

    @staticmethod
    async def _leave_out(replica: Replica, exc: BaseException) -> ReplicaLeftOut:
        """Unreachable, shut down, conflicting with recovery, or died mid-shard. Its pool's other connections may
        be as dead as this one: they are replaced on their next use."""
        if replica.pool is not None:
            await replica.pool.expire_connections()
        return ReplicaLeftOut(f"{type(exc).__name__}: {exc}")


async def _wait_for_replay(conn: asyncpg.Connection, lsn: str, wait_seconds: float) -> str:
    """Wait until the replica has replayed the primary's WAL up to `lsn`; returns its label (address and port)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        position = await conn.fetchrow(queries["replica_replay_position"], lsn)
        if not position["standby"]:
            raise ReplicaLeftOut("it is not a standby (promoted?): its data may have parted from the primary's")
        if position["caught_up"]:
            return position["server"]
        if loop.time() >= deadline:
            raise ReplicaLeftOut(f"it had not replayed the primary's WAL up to {lsn} after {wait_seconds:g} s")
        await asyncio.sleep(_REPLAY_POLL_SECONDS)


async def _copy_rows(conn: asyncpg.Connection, job: ShardJob, spool: IO[bytes]) -> None:
    async def write(chunk: bytes) -> None:
        spool.write(chunk)

    async with conn.transaction(readonly=True):
        await conn.execute(queries["shard_settings"])
        await conn.copy_from_query(queries.for_copy("replica_shard_rows"), *job.args, output=write, format="binary")


async def _store(primary: asyncpg.Pool, job: ShardJob, spool: IO[bytes], server: str) -> None:
    """The shard's completion on the primary, in one transaction: rows, days, outages, finished_at, progress."""
    async with primary.acquire() as conn, conn.transaction():
        await conn.execute(queries["create_replica_shard_rows"])
        await conn.copy_to_table(_ROWS_TABLE, source=spool, format="binary")
        await conn.fetchval(queries["store_replica_shard_rows"], job.report_id, job.shard, server)


def _safe_name(dsn: str) -> str:
    """A DSN without its password, for the log."""
    head, at, tail = dsn.rpartition("@")
    if not at:
        return dsn
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':', 1)[0]}@{tail}"
