"""Keeps the summary true after our own writes, in proportion to what they wrote: live polls posted over HTTP (in
the transaction that stores them) and the loader's (right after its load commits). See
sql/functions/summary/summarize_polls.sql for how it stays exact."""

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from app.db.queries import queries
from app.summary.lock import summary_lock


async def absorb_polls(conn: asyncpg.Connection, store_ids: Sequence[str], timestamps: Sequence[datetime], *,
                       exact: bool, writer: str | None = None) -> int:
    """In the caller's REPEATABLE READ transaction, under the summary lock: bring the summary up to date for these
    polls, written by this transaction (writer None) or committed by the writer so named. Returns summary rows
    written."""
    return await conn.fetchval(queries["absorb_polls"], list(store_ids), list(timestamps), exact, writer)


async def absorb_staged_polls(conn: asyncpg.Connection, load_id: str) -> int:
    """After the load named `load_id` committed, with its polls still in staging.poll: the same, reading them
    there (they never travel to Python)."""
    async with summary_lock(conn), conn.transaction(isolation="repeatable_read"):
        return await conn.fetchval(queries["absorb_staged_polls"], load_id)
