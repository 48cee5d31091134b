"""The summary's upkeep as commands run it: `python -m app summarize`."""

from app.config import Settings
from app.db.connect import create_pool
from app.summary.refresh import Refresh, refresh_summary


async def summarize_now(settings: Settings) -> Refresh:
    pool = await create_pool(settings, max_size=settings.report_shards + 1)
    try:
        return await refresh_summary(pool, settings.report_shards)
    finally:
        await pool.close()
