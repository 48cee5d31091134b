"""Getting a database ready: the embedded cluster started when it is ours, the schema migrated (only by `db start`,
`db migrate`, `db reset`, `serve` and `demo`), and every other command's check that the schema is current (a
worker that meets an older schema fails fast with the command that fixes it)."""

import asyncio

import asyncpg

from app.config import Settings
from app.db.cluster import Cluster
from app.db.connect import connect, ensure_database
from app.db.migrate import migrate, schema_state
from app.db.two_phase import recover_interrupted_loads
from app.errors import DatabaseSetupError


def ensure_started(settings: Settings) -> bool:
    """Start the embedded cluster when it is ours and down; True when it was started now."""
    return settings.embedded and Cluster.from_settings(settings).start()


async def migrate_database(settings: Settings) -> list[str]:
    """Create the embedded cluster's database if needed, apply pending migrations and function files, and finish
    or undo what a killed load left prepared (before anyone reads). Returns what was applied."""
    await ensure_database(settings)
    conn = await connect(settings)
    try:
        applied = await migrate(conn)
        await recover_interrupted_loads(conn)
        return applied
    finally:
        await conn.close()


async def require_current_schema(conn: asyncpg.Connection) -> None:
    state = await schema_state(conn)
    if not state.current:
        pending = [*state.pending_migrations, *(f"functions/{f}" for f in state.changed_functions)]
        shown = ", ".join(pending[:5]) + (f" and {len(pending) - 5} more" if len(pending) > 5 else "")
        raise DatabaseSetupError(f"the database schema is not current ({shown} not applied): run "
                                 "`python -m app db migrate`")


def up(settings: Settings, say=print) -> None:
    """Start (when ours) and migrate: what `db start`, `serve` and `demo` do."""
    if ensure_started(settings):
        say(f"database started: port {settings.pg_port}, data in {settings.data_dir}")
    applied = asyncio.run(migrate_database(settings))
    if applied:
        say(f"applied: {', '.join(applied)}")


async def _check(settings: Settings) -> None:
    conn = await connect(settings)
    try:
        await require_current_schema(conn)
    finally:
        await conn.close()


def open_database(settings: Settings) -> None:
    """What every other command does first: the embedded cluster started when it is down, the schema checked."""
    try:
        asyncio.run(_check(settings))
        return
    except DatabaseSetupError:
        if not ensure_started(settings):
            raise
    asyncio.run(_check(settings))
