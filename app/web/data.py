"""What the pages show, read with the named queries of sql/queries/web.sql (the only SQL the web package runs)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

import asyncpg

from app.access.caller import Caller
from app.db.models import Report, ReportRow
from app.db.queries import queries
from app.web.timeline import DaySpan, OutageMark, Piece, Poll

HISTOGRAM_BUCKETS = 20
TOP_DOWNTIME = 20
SEARCH_LIMIT = 20
STORE_OUTAGES = 500  # a week of hourly polls gives at most 84 outages; a bound for stores polled far more often
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Headline:
    stores: int
    business_hours_week: Decimal
    uptime_hours_week: Decimal
    downtime_hours_week: Decimal
    uptime_pct_week: Decimal | None
    uptime_pct_day: Decimal | None
    stores_without_business_time: int


@dataclass(frozen=True)
class Bucket:
    from_pct: Decimal
    to_pct: Decimal
    stores: int


@dataclass(frozen=True)
class HoursRow:
    day_of_week: int
    start: time
    end: time


@dataclass(frozen=True)
class StoreWeek:
    """One store in one report: its figures, its zone, its hour rows and what its timeline draws."""

    store_id: str
    figures: ReportRow  # the six figures, as stored
    zone: str
    zone_given: str | None
    as_of_local: datetime  # naive: the store's wall clock
    hours: list[HoursRow]
    window_start: datetime
    window_end: datetime
    days: list[DaySpan]
    pieces: list[Piece]
    polls: list[Poll]

    @property
    def zone_is_fallback(self) -> bool:
        return self.zone_given != self.zone


@dataclass(frozen=True)
class Outage:
    """One of a store's outages in a report's week (rule 11), numbered in time order."""

    number: int
    start_utc: datetime
    end_utc: datetime
    start_local: datetime  # naive: the store's wall clock
    end_local: datetime
    minutes: Decimal


async def report(pool: asyncpg.Pool, report_id: uuid.UUID) -> Report | None:
    """The report's metadata (whose it is too: `tenant_id`); its parameters as stored ({"store_ids": [...],
    "days": {...}} or {})."""
    row = await pool.fetchrow(queries["web_report"], report_id)
    return None if row is None else Report.model_validate(dict(row))


async def headline(pool: asyncpg.Pool, report_id: uuid.UUID) -> Headline:
    row = await pool.fetchrow(queries["web_report_headline"], report_id)
    return Headline(row["stores"], row["business_hours_week"], row["uptime_hours_week"], row["downtime_hours_week"],
                    row["uptime_pct_week"], row["uptime_pct_day"], row["stores_without_business_time"])


async def histogram(pool: asyncpg.Pool, report_id: uuid.UUID, buckets: int = HISTOGRAM_BUCKETS) -> list[Bucket]:
    rows = await pool.fetch(queries["web_uptime_histogram"], report_id, buckets)
    return [Bucket(r["from_pct"], r["to_pct"], r["stores"]) for r in rows]


async def top_downtime(pool: asyncpg.Pool, report_id: uuid.UUID, limit: int = TOP_DOWNTIME) -> list[asyncpg.Record]:
    return await pool.fetch(queries["web_top_downtime"], report_id, limit)


async def search_stores(pool: asyncpg.Pool, report_id: uuid.UUID, text: str,
                        limit: int = SEARCH_LIMIT) -> list[asyncpg.Record]:
    return await pool.fetch(queries["web_store_search"], report_id, text, limit)


async def latest_report_for_store(pool: asyncpg.Pool, store_id: str, caller: Caller) -> uuid.UUID | None:
    """The newest complete report including the store that the caller sees."""
    return await pool.fetchval(queries["web_latest_report_for_store"], store_id, caller.admin, caller.tenant_id)


async def store_week(pool: asyncpg.Pool, report_id: uuid.UUID, store_id: str, as_of: datetime) -> StoreWeek | None:
    """The store in the report (None when the report has no row for it), over the week before `as_of`."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(queries["web_store_in_report"], report_id, store_id, as_of)
        if row is None:
            return None
        zone, start = row["zone"], as_of - WEEK
        hours = await conn.fetch(queries["web_store_hours"], store_id)
        days = await conn.fetch(queries["web_local_days"], start, as_of, zone)
        pieces = await conn.fetch(queries["web_store_timeline"], store_id, start, as_of, zone)
        polls = await conn.fetch(queries["web_store_polls"], store_id, start, as_of, zone)
    return StoreWeek(
        store_id=store_id,
        figures=ReportRow.model_validate(dict(row)),
        zone=zone,
        zone_given=row["zone_given"],
        as_of_local=row["as_of_local"],
        hours=[HoursRow(h["day_of_week"], h["start_time_local"], h["end_time_local"]) for h in hours],
        window_start=start,
        window_end=as_of,
        days=[DaySpan(d["day"], float(d["length_hours"]), float(d["window_from_hour"]), float(d["window_to_hour"]))
              for d in days],
        pieces=[Piece(p["kind"], p["day"], p["status"], p["in_hours"], float(p["seconds"]), float(p["from_hour"]),
                      float(p["to_hour"])) for p in pieces],
        polls=[Poll(p["day"], float(p["hour"]), p["status"], p["timestamp_utc"]) for p in polls],
    )


async def store_outages(pool: asyncpg.Pool, report_id: uuid.UUID, store_id: str, zone: str,
                        limit: int = STORE_OUTAGES) -> tuple[list[Outage], list[OutageMark]]:
    """The store's first `limit` outages in the report (computed already: app.report.outages.ensure_outages), and
    where the timeline marks them."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(queries["web_store_outages"], report_id, store_id, zone, limit)
        marks = await conn.fetch(queries["web_store_outage_marks"], report_id, store_id, zone, limit)
    return ([Outage(r["number"], r["start_utc"], r["end_utc"], r["start_local"], r["end_local"], r["minutes"])
             for r in rows],
            [OutageMark(m["number"], m["day"], float(m["from_hour"]), float(m["to_hour"])) for m in marks])
