"""One writer of the summary at a time: a session advisory lock taken before the writer's transaction begins, so
that the writer's snapshot sees everything the previous holder committed."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from app.db.queries import queries


@asynccontextmanager
async def summary_lock(conn: asyncpg.Connection) -> AsyncIterator[None]:
    await conn.execute(queries["summary_lock"])
    try:
        yield
    finally:
        await conn.execute(queries["summary_unlock"])


@asynccontextmanager
async def summary_lock_within(conn: asyncpg.Connection, seconds: float) -> AsyncIterator[bool]:
    """Yields whether the lock could be taken within `seconds` (and is now held)."""
    await conn.execute(queries["set_lock_timeout"], f"{int(seconds * 1000)}ms")
    try:
        await conn.execute(queries["summary_lock"])
        held = True
    except asyncpg.LockNotAvailableError:
        held = False
    finally:
        await conn.execute(queries["reset_lock_timeout"])
    try:
        yield held
    finally:
        if held:
            await conn.execute(queries["summary_unlock"])


@asynccontextmanager
async def summary_lock_if_free(conn: asyncpg.Connection) -> AsyncIterator[bool]:
    """Yields whether the lock was free (and is now held): a writer that must not wait skips the upkeep, which
    leaves the summary stale but never wrong (reports read the polls of stale days)."""
    held = await conn.fetchval(queries["summary_try_lock"])
    try:
        yield held
    finally:
        if held:
            await conn.execute(queries["summary_unlock"])
