"""`python -m app retention --keep-days N`: drops whole days of polls (TimescaleDB's drop_chunks) older than N days
before the newest poll, and the summary's rows of those days, after keeping each store's status when the kept
range begins (sql/functions/retention/apply_retention.sql). Reports whose week lies in the kept range stay exact;
one whose week starts before it is refused (app/jobs/actions.py)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.config import Settings
from app.db.connect import create_pool
from app.db.queries import queries
from app.errors import StorepulseError
from app.summary.lock import summary_lock
from app.summary.refresh import refresh_summary

MIN_KEEP_DAYS = 8  # a report's week, plus the day it ends in


@dataclass(frozen=True)
class Retention:
    newest_poll: datetime | None
    kept_from: datetime | None
    chunks_dropped: int

    def __str__(self) -> str:
        if self.newest_poll is None:
            return "no polls: nothing to drop"
        return (f"dropped {self.chunks_dropped} day chunk(s) of polls; kept from {self.kept_from:%Y-%m-%d %H:%M %Z} "
                f"(newest poll {self.newest_poll:%Y-%m-%d %H:%M %Z}); reports whose week starts before that are "
                "refused")


async def apply_retention(settings: Settings, keep_days: int) -> Retention:
    if keep_days < MIN_KEEP_DAYS:
        raise StorepulseError(f"--keep-days must be at least {MIN_KEEP_DAYS}: a report needs a week of polls")
    pool = await create_pool(settings, max_size=settings.report_shards + 1)
    try:
        async with pool.acquire() as conn:
            newest = await conn.fetchval(queries["newest_poll"])
        if newest is None:
            return Retention(None, None, 0)
        # The baseline is read from the summary: bring it up to date first.
        await refresh_summary(pool, settings.report_shards)
        async with pool.acquire() as conn, summary_lock(conn):
            async with conn.transaction():
                row = await conn.fetchrow(queries["apply_retention"], newest - timedelta(days=keep_days))
        return Retention(newest, row["kept_from"], row["chunks_dropped"])
    finally:
        await pool.close()
