"""Connections and pools: the one place that knows how to reach the database."""

import asyncpg

from app.config import Settings
from app.errors import DatabaseSetupError, MissingExtensionError


async def connect(settings: Settings, database: str | None = None) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(settings.dsn(database))
    except (OSError, asyncpg.PostgresError) as exc:
        hint = "start it with `python -m app db start`" if settings.embedded else "check DATABASE_URL"
        raise DatabaseSetupError(f"cannot connect to the database ({exc}); {hint}") from exc


async def create_pool(settings: Settings, max_size: int | None = None) -> asyncpg.Pool:
    try:
        return await asyncpg.create_pool(
            settings.dsn(),
            min_size=settings.pool_min_size,
            max_size=max_size or settings.pool_max_size,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseSetupError(f"cannot connect to the database ({exc})") from exc


async def ensure_database(settings: Settings) -> None:
    """Create the embedded cluster's application database on first use."""
    if not settings.embedded:
        return
    conn = await connect(settings, "postgres")
    try:
        exists = await conn.fetchval("select 1 from pg_database where datname = $1", settings.pg_database)
        if not exists:
            await conn.execute(f'create database "{settings.pg_database}"')
    finally:
        await conn.close()


async def check_timescaledb(conn: asyncpg.Connection) -> None:
    available = await conn.fetchval("select 1 from pg_available_extensions where name = 'timescaledb'")
    if not available:
        raise MissingExtensionError(
            "this PostgreSQL server has no timescaledb extension. Use a server that has it: Timescale Cloud, the "
            "`timescale/timescaledb` container image, a package from packagecloud.io/timescale, or unset "
            "DATABASE_URL to use the embedded cluster (`make setup` builds TimescaleDB for it)"
        )
    preload = await conn.fetchval("select current_setting('shared_preload_libraries')")
    if "timescaledb" not in preload:
        raise MissingExtensionError(
            "timescaledb is installed but not preloaded: add shared_preload_libraries = 'timescaledb' to "
            "postgresql.conf and restart the server"
        )
