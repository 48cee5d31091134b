"""Connections and pools: the one place that knows how to reach the database. Every connection decodes json and
jsonb into Python values (so a report's `parameters` arrive as a dict, wherever they are read)."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from app.config import Settings
from app.db.queries import queries
from app.errors import DatabaseSetupError, MissingExtensionError

Reset = Callable[[asyncpg.Connection], Awaitable[None]]


async def _set_codecs(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def _unreachable(settings: Settings, exc: BaseException) -> DatabaseSetupError:
    hint = "start it with `python -m app db start`" if settings.embedded else "check DATABASE_URL"
    return DatabaseSetupError(f"cannot connect to the database ({exc}); {hint}")


async def connect(settings: Settings, database: str | None = None,
                  server_settings: dict[str, str] | None = None) -> asyncpg.Connection:
    try:
        conn = await asyncpg.connect(settings.dsn(database), server_settings=server_settings)
    except (OSError, asyncpg.PostgresError) as exc:
        raise _unreachable(settings, exc) from exc
    await _set_codecs(conn)
    return conn


async def create_pool(settings: Settings, *, max_size: int | None = None, min_size: int | None = None,
                      server_settings: dict[str, str] | None = None, reset: Reset | None = None,
                      dsn: str | None = None, connect_timeout: float | None = None) -> asyncpg.Pool:
    """The process's pools all come from here. `reset` replaces asyncpg's reset of a released connection (RESET
    ALL, UNLISTEN *, ...) for pools whose users set no session state; `dsn` points at another server (a replica);
    `connect_timeout` bounds each connection attempt (asyncpg's default: 60 s)."""
    options: dict[str, Any] = {"init": _set_codecs, "server_settings": server_settings}
    if reset is not None:
        options["reset"] = reset
    if connect_timeout is not None:
        options["timeout"] = connect_timeout
    size = max_size or settings.pool_max_size
    try:
        return await asyncpg.create_pool(dsn or settings.dsn(), min_size=min(min_size or settings.pool_min_size, size),
                                         max_size=size, **options)
    except (OSError, asyncpg.PostgresError) as exc:
        raise _unreachable(settings, exc) from exc


async def ensure_database(settings: Settings) -> None:
    """Create the embedded cluster's application database on first use."""
    if not settings.embedded:
        return
    conn = await connect(settings, "postgres")
    try:
        if not await conn.fetchval(queries["database_exists"], settings.pg_database):
            # CREATE DATABASE takes no parameters; the name is our own setting, quoted as an identifier.
            await conn.execute(f'create database "{settings.pg_database.replace(chr(34), chr(34) * 2)}"')
    finally:
        await conn.close()


async def check_timescaledb(conn: asyncpg.Connection) -> None:
    if not await conn.fetchval(queries["timescaledb_available"]):
        raise MissingExtensionError(
            "this PostgreSQL server has no timescaledb extension. Use a server that has it: Timescale Cloud, the "
            "`timescale/timescaledb` container image, a package from packagecloud.io/timescale, or unset "
            "DATABASE_URL to use the embedded cluster (`make setup` builds TimescaleDB for it)"
        )
    if "timescaledb" not in await conn.fetchval(queries["preloaded_libraries"]):
        raise MissingExtensionError(
            "timescaledb is installed but not preloaded: add shared_preload_libraries = 'timescaledb' to "
            "postgresql.conf and restart the server"
        )
