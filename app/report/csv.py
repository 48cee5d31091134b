"""The report as CSV, streamed out of the database with COPY ... TO STDOUT (never built in memory)."""

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg

from app.db.queries import queries

CSV_HEADER = ("store_id,uptime_last_hour,uptime_last_day,uptime_last_week,"
              "downtime_last_hour,downtime_last_day,downtime_last_week")


async def write_csv(conn: asyncpg.Connection, report_id: uuid.UUID,
                    output: Path | str | Callable[[bytes], Awaitable[None]]) -> None:
    """Write the report's CSV to a file path or hand it chunk by chunk to an async callable."""
    target = output if callable(output) else str(output)
    await conn.copy_from_query(queries["report_rows_csv"], report_id, output=target, format="csv", header=True)
