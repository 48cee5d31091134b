"""How far the status change summary is behind the polls, for monitoring (GET /metrics)."""

from dataclasses import dataclass

import asyncpg

from app.db.queries import queries


@dataclass(frozen=True)
class Staleness:
    stale_chunks: int  # chunks a report would summarize again before using
    pending_writes: int  # statements that wrote polls the summary has not seen yet
    oldest_pending_write_age_seconds: float | None


async def summary_staleness(pool: asyncpg.Pool) -> Staleness:
    record = await pool.fetchrow(queries["summary_staleness"])
    return Staleness(**dict(record))
