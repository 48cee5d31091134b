"""`python -m app db ...`: the embedded cluster's life cycle and migrations, or checks of an external server."""

import asyncio
import os
import shutil

from app.config import Settings
from app.db.cluster import Cluster
from app.db.connect import connect
from app.db.migrate import schema_state
from app.db.queries import queries
from app.db.setup import migrate_database, up


def start(settings: Settings) -> int:
    up(settings)
    print(f"database up: {settings.dsn()}")
    return 0


def stop(settings: Settings) -> int:
    if not settings.embedded:
        print("DATABASE_URL is set: the external server is not ours to stop")
        return 0
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
    Cluster.from_settings(settings).destroy()
    up(settings)
    print("database reset: empty and migrated")
    return 0


def run_migrate(settings: Settings) -> int:
    if settings.embedded:
        Cluster.from_settings(settings).start()
    applied = asyncio.run(migrate_database(settings))
    print(f"applied: {', '.join(applied)}" if applied else "migrations: up to date")
    return 0


def psql(settings: Settings, args: list[str]) -> int:
    if settings.embedded:
        Cluster.from_settings(settings).start()
    exe = shutil.which("psql") or "/usr/bin/psql"
    os.execv(exe, [exe, settings.dsn(), *args])
