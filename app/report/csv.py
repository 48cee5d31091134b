"""A report's CSVs, streamed out of the database with COPY ... TO STDOUT (never built in memory): its rows (the
spec's six figures), its days (rule 12) and its outages (rule 11)."""

import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

import asyncpg

from app.db.queries import queries

Output = Path | str | Callable[[bytes], Awaitable[None]]

CSV_HEADER = ("store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
              "downtime_last_hour,downtime_last_day,downtime_last_week")
DAYS_HEADER = "store_id,date_local,business_hours,uptime_hours,downtime_hours"
OUTAGES_HEADER = "store_id,start_utc,end_utc,minutes"


async def _copy(conn: asyncpg.Connection, query: str, args: tuple, output: Output) -> None:
    target = output if callable(output) else str(output)
    await conn.copy_from_query(queries.for_copy(query), *args, output=target, format="csv", header=True)


async def write_csv(conn: asyncpg.Connection, report_id: uuid.UUID, output: Output) -> None:
    """The report's CSV to a file path, or chunk by chunk to an async callable."""
    await _copy(conn, "report_rows_csv", (report_id,), output)


async def write_days_csv(conn: asyncpg.Connection, report_id: uuid.UUID, output: Output) -> None:
    await _copy(conn, "report_days_csv", (report_id,), output)


async def write_outages_csv(conn: asyncpg.Connection, report_id: uuid.UUID, output: Output,
                            store_id: str | None = None, min_minutes: Decimal | None = None) -> None:
    await _copy(conn, "report_outages_csv", (report_id, store_id, min_minutes), output)
