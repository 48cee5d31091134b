"""`python -m app db ...`: the embedded cluster's life cycle and migrations, or checks of an external server."""

import asyncio
import os
import shutil

from app.config import Settings
from app.db.cluster import Cluster
from app.db.connect import connect
from app.db.migrate import schema_state
from app.db.queries import queries
from app.db.replica import LocalReplica, check_primary_streams
from app.db.setup import migrate_database, up


def start(settings: Settings) -> int:
    up(settings)
    print(f"database up: {settings.dsn()}")
    return 0


def stop(settings: Settings) -> int:
    if not settings.embedded:
        print("DATABASE_URL is set: the external server is not ours to stop")
        return 0
    if LocalReplica.from_settings(settings).stop():  # it would only retry its primary
        print("local replica stopped")
    print("database stopped" if Cluster.from_settings(settings).stop() else "database was not running")
    return 0


def status(settings: Settings) -> int:
    if settings.embedded:
        if not Cluster.from_settings(settings).running():
            print(f"embedded database: stopped (data dir {settings.data_dir})")
            return 1
        print(f"embedded database: running on port {settings.pg_port}, data dir {settings.data_dir}")
    return asyncio.run(_print_server_status(settings))


async def _print_server_status(settings: Settings) -> int:
    conn = await connect(settings)
    try:
        versions = await conn.fetchrow(queries["server_versions"])
        state = await schema_state(conn)
    finally:
        await conn.close()
    schema = "current" if state.current else (
        f"{len(state.pending_migrations)} migration(s) and {len(state.changed_functions)} function file(s) not "
        "applied: run `python -m app db migrate`")
    print(f"server: PostgreSQL {versions['version']}, timescaledb {versions['timescaledb'] or 'not created'}; "
          f"schema {schema}")
    return 0 if state.current else 1


def reset(settings: Settings) -> int:
    if not settings.embedded:
        print("refusing to reset an external database (DATABASE_URL is set)")
        return 2
    LocalReplica.from_settings(settings).destroy()  # a copy of the cluster about to go
    Cluster.from_settings(settings).destroy()
    up(settings)
    print("database reset: empty and migrated (the local replica, if any, is gone: `db replica start` makes it "
          "again)")
    return 0


def run_migrate(settings: Settings) -> int:
    if settings.embedded:
        Cluster.from_settings(settings).start()
    applied = asyncio.run(migrate_database(settings))
    print(f"applied: {', '.join(applied)}" if applied else "migrations: up to date")
    return 0


def replica(settings: Settings, args: list[str]) -> int:
    """`db replica start|stop`: the local streaming replica of the embedded cluster. `start` makes it when needed
    and prints its DSN alone on the last line (for REPLICA_URLS)."""
    if args not in (["start"], ["stop"]):
        print("usage: python -m app db replica start|stop")
        return 2
    if not settings.embedded:
        print("DATABASE_URL is set: the local replica copies the embedded cluster; list your server's own replicas "
              "in REPLICA_URLS")
        return 2
    local = LocalReplica.from_settings(settings)
    if args == ["stop"]:
        print("replica stopped" if local.stop() else "replica was not running")
        return 0
    up(settings)
    asyncio.run(_check_streams(settings))
    made = not local.server.initialized()
    started = local.start()
    state = "made by a base backup and started" if made else "started" if started else "already running"
    print(f"replica {state}: port {local.server.port}, data in {local.server.data_dir}, streaming from port "
          f"{settings.pg_port}; workers use it with REPLICA_URLS set to:")
    print(local.dsn(settings.pg_database))
    return 0


async def _check_streams(settings: Settings) -> None:
    conn = await connect(settings)
    try:
        await check_primary_streams(conn)
    finally:
        await conn.close()


def psql(settings: Settings, args: list[str]) -> int:
    if settings.embedded:
        Cluster.from_settings(settings).start()
    exe = shutil.which("psql") or "/usr/bin/psql"
    os.execv(exe, [exe, settings.dsn(), *args])
