"""`python -m app db ...`: the embedded cluster's life cycle and migrations, or checks of an external server."""

import asyncio
import os
import shutil

from app.config import Settings
from app.db.cluster import Cluster
from app.db.connect import connect, ensure_database
from app.db.migrate import migrate


async def _migrate(settings: Settings) -> list[str]:
    from app.ingest.two_phase import recover_interrupted_loads

    await ensure_database(settings)
    conn = await connect(settings)
    try:
        applied = await migrate(conn)
        # A load killed between its commits leaves prepared parts; finish or undo them before anyone reads.
        await recover_interrupted_loads(conn)
        return applied
    finally:
        await conn.close()


def up(settings: Settings, quiet: bool = False) -> None:
    """Make the database usable: start the embedded cluster if we own it, then apply pending migrations."""
    say = (lambda *_: None) if quiet else print
    if settings.embedded:
        cluster = Cluster.from_settings(settings)
        if cluster.start():
            say(f"database started: port {settings.pg_port}, data in {settings.data_dir}")
    applied = asyncio.run(_migrate(settings))
    if applied:
        say(f"migrations applied: {', '.join(applied)}")


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
        cluster = Cluster.from_settings(settings)
        if not cluster.running():
            print(f"embedded database: stopped (data dir {settings.data_dir})")
            return 1
        print(f"embedded database: running on port {settings.pg_port}, data dir {settings.data_dir}")
    return asyncio.run(_print_server_status(settings))


async def _print_server_status(settings: Settings) -> int:
    conn = await connect(settings)
    try:
        version = await conn.fetchval("select current_setting('server_version')")
        tsdb = await conn.fetchval("select extversion from pg_extension where extname = 'timescaledb'")
        migrations = await conn.fetchval(
            "select count(*) from information_schema.tables where table_name = 'schema_migration'"
        )
        applied = await conn.fetchval("select count(*) from schema_migration") if migrations else 0
    finally:
        await conn.close()
    print(f"server: PostgreSQL {version}, timescaledb {tsdb or 'not created'}, {applied} migrations applied")
    return 0


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
    applied = asyncio.run(_migrate(settings))
    print(f"migrations applied: {', '.join(applied)}" if applied else "migrations: up to date")
    return 0


def psql(settings: Settings, args: list[str]) -> int:
    if settings.embedded:
        Cluster.from_settings(settings).start()
    exe = shutil.which("psql") or "/usr/bin/psql"
    os.execv(exe, [exe, settings.dsn(), *args])
