"""Incidents brought up to date as of `now` (ALERT_CLOCK: the wall clock, or the newest poll to replay past data):
after each batch of live polls for its stores, and on a timer for every store that is down (silence is news too:
a store whose newest poll is inactive stays down while nobody polls it)."""

import asyncio
import logging
from collections.abc import Iterable

import asyncpg

from app.db.queries import queries

log = logging.getLogger(__name__)


async def evaluate_alerts(pool: asyncpg.Pool, clock: str, store_ids: Iterable[str] | None = None) -> tuple[int, int]:
    """(incidents opened, incidents resolved)."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(queries["evaluate_alerts"], clock,
                                  None if store_ids is None else sorted(set(store_ids)))
    return (row["opened"], row["resolved"]) if row else (0, 0)


async def evaluate_on_a_timer(pool: asyncpg.Pool, clock: str, seconds: float, stop: asyncio.Event) -> None:
    """Every `seconds` until `stop`: every store that is down, and every open incident."""
    while not stop.is_set():
        try:
            await evaluate_alerts(pool, clock)
        except Exception:  # noqa: BLE001 -- a lost connection must not end the loop: the next round tries again
            log.exception("alert evaluation failed; retrying in %.0f s", seconds)
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            pass
