"""The report page's fleet view: uptime per local day (rule 12's sums, for a report asked for days), per time zone
(the weekly figures summed by zone), and the stores with the most outages (rule 11). Read with the named queries
of sql/queries/web.sql."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg

from app.db.queries import queries
from app.report.parameters import DayRange

ZONES_SHOWN = 12
MOST_OUTAGES = 20
LAST_DAYS = 7
# Local dates run from UTC-12 to UTC+14: by an instant, every zone has begun the date it has at UTC-12.
_EARLIEST_OFFSET = timedelta(hours=12)


@dataclass(frozen=True)
class FleetDay:
    day: date
    stores_open: int  # stores with business time that date
    business_hours: Decimal
    uptime_hours: Decimal
    downtime_hours: Decimal
    uptime_pct: Decimal | None  # None: no business time that date


@dataclass(frozen=True)
class ZoneUptime:
    zone: str
    stores: int
    business_hours: Decimal
    uptime_hours: Decimal
    downtime_hours: Decimal
    uptime_pct: Decimal | None


async def fleet_days(pool: asyncpg.Pool, report_id: uuid.UUID) -> list[FleetDay]:
    """The report's days with the fleet's sums (none when the report was not asked for days)."""
    rows = await pool.fetch(queries["web_fleet_days"], report_id)
    return [FleetDay(r["day"], r["stores_open"], r["business_hours"], r["uptime_hours"], r["downtime_hours"],
                     r["uptime_pct"]) for r in rows]


async def zone_uptime(pool: asyncpg.Pool, report_id: uuid.UUID,
                      limit: int = ZONES_SHOWN) -> tuple[list[ZoneUptime], int]:
    """The `limit` zones with the most business hours last week, and how many zones the report's stores are in."""
    rows = await pool.fetch(queries["web_zone_uptime"], report_id, limit)
    zones = [ZoneUptime(r["zone"], r["stores"], r["business_hours"], r["uptime_hours"], r["downtime_hours"],
                        r["uptime_pct"]) for r in rows]
    return zones, rows[0]["zones"] if rows else 0


async def most_outages(pool: asyncpg.Pool, report_id: uuid.UUID, limit: int = MOST_OUTAGES) -> list[asyncpg.Record]:
    """The stores with the most outages (computed already: app.report.outages.ensure_outages)."""
    return await pool.fetch(queries["web_most_outages"], report_id, limit)


def last_days(as_of: datetime, count: int = LAST_DAYS) -> DayRange:
    """The `count` local dates a report as of `as_of` is asked for to see its last days: those ending with the
    latest date every time zone had begun by then, so no store's last date lies after `as_of` (rule 12 would give
    it zeros) and the last is cut by `as_of` only where it is still that date."""
    last = (as_of.astimezone(UTC) - _EARLIEST_OFFSET).date()
    return DayRange(**{"from": last - timedelta(days=count - 1), "to": last})
