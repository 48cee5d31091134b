"""What `/` shows of now, refreshed by its script: the stores down now while they should be open, the open
incidents with their age, and the webhook deliveries given up on; and a store's incidents for its page. All scoped to
the caller (its tenant's stores and alert rules; an admin sees all), and as of the clock the alerts use
(ALERT_CLOCK: the wall clock, or the newest poll)."""

from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from app.access.caller import Caller
from app.alerts.rules import failed_deliveries, list_incidents
from app.db.queries import queries

REFRESH_SECONDS = 15
DOWN_SHOWN = 50
INCIDENTS_SHOWN = 50
FAILED_SHOWN = 20
STORE_INCIDENTS = 20


@dataclass(frozen=True)
class DownStore:
    store_id: str
    zone: str
    down_since: datetime
    down_since_local: datetime  # naive: the store's wall clock
    last_poll_at: datetime


@dataclass(frozen=True)
class LiveView:
    now: datetime | None  # None: the data clock and no poll yet
    clock: str
    down: list[DownStore]
    down_total: int
    incidents: list[asyncpg.Record]  # open, most recently opened first
    incidents_more: bool
    failed: list[asyncpg.Record]  # given up on, newest first
    failed_more: bool

    @property
    def age_base(self) -> datetime:
        """The instant ages are counted to."""
        return self.now or datetime.now(UTC)


def alert_scope(caller: Caller) -> int | None:
    """Whose alert rules (and so incidents and deliveries) the caller sees: its tenant's, or all (None)."""
    return None if caller.admin else caller.tenant_id


async def clock_now(conn: asyncpg.Connection, clock: str) -> datetime | None:
    return await conn.fetchval(queries["web_clock"], clock)


async def live_view(pool: asyncpg.Pool, caller: Caller, clock: str) -> LiveView:
    scope = alert_scope(caller)
    async with pool.acquire() as conn:
        now = await clock_now(conn, clock)
        rows = [] if now is None else await conn.fetch(queries["web_down_now"], now, caller.admin, caller.tenant_id,
                                                       DOWN_SHOWN)
        incidents = await list_incidents(conn, scope, True, None, INCIDENTS_SHOWN + 1)
        failed = await failed_deliveries(conn, scope, FAILED_SHOWN + 1)
    down = [DownStore(r["store_id"], r["zone"], r["down_since"], r["down_since_local"], r["last_poll_at"])
            for r in rows]
    return LiveView(now, clock, down, rows[0]["total"] if rows else 0, incidents[:INCIDENTS_SHOWN],
                    len(incidents) > INCIDENTS_SHOWN, failed[:FAILED_SHOWN], len(failed) > FAILED_SHOWN)


async def store_incidents(pool: asyncpg.Pool, caller: Caller, store_id: str,
                          clock: str) -> tuple[list[asyncpg.Record], datetime]:
    """The store's incidents of the rules the caller sees, most recently opened first (one more than
    STORE_INCIDENTS: there are more), and the instant an open one's age is counted to."""
    async with pool.acquire() as conn:
        now = await clock_now(conn, clock)
        rows = await list_incidents(conn, alert_scope(caller), False, store_id, STORE_INCIDENTS + 1)
    return rows, now or datetime.now(UTC)
