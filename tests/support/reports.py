"""Helpers shared by the report tests: load model-shaped rows into a test database, run reports through the real
output path (the engine's shard statements and the CSV stream), read SQL figures back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg

from app.db.models import Report
from app.report.csv import write_csv
from app.report.engine import run_report
from app.report.parameters import DayRange, ReportParameters
from app.sample.generator import FILE_NAMES, FIRST_RELEASE_FILE_NAMES
from tests.support.model import Figures, HourRow, Poll, SpecialRow


async def load_rows(conn: asyncpg.Connection, polls: Iterable[Poll], hours: Iterable[HourRow],
                    timezones: dict[str, str], special: Iterable[SpecialRow] = ()) -> None:
    """COPY straight into the tables, as an outside bulk loader would (the summary then knows it is stale)."""
    await conn.copy_records_to_table(
        "store_status", records=[(p.store_id, p.status, p.ts) for p in polls],
        columns=["store_id", "status", "timestamp_utc"],
    )
    await conn.copy_records_to_table(
        "store_hours", records=[(h.store_id, h.day_of_week, h.start, h.end) for h in hours],
        columns=["store_id", "day_of_week", "start_time_local", "end_time_local"],
    )
    await conn.copy_records_to_table("store_timezone", records=list(timezones.items()),
                                     columns=["store_id", "timezone_str"])
    special = list(special)
    if special:
        await conn.copy_records_to_table(
            "special_hours", records=[(s.store_id, s.date_local, s.start, s.end) for s in special],
            columns=["store_id", "date_local", "start_time_local", "end_time_local"],
        )


def _seconds_to_timedelta(seconds: Decimal) -> timedelta:
    return timedelta(microseconds=int(seconds * 1_000_000))


async def sql_figures(conn: asyncpg.Connection, as_of, store_ids=None, store_from=None, store_to=None,
                      summary_until=None) -> dict[str, Figures]:
    """report_seconds_v3's exact figures. summary_until: how far the status change summary is read
    (MINUS_INFINITY: every poll is read; None: as far as the statement finds it usable)."""
    rows = await conn.fetch(
        "select * from report_seconds_v3($1, $2, $3, $4, $5)", as_of, store_from, store_to, store_ids,
        summary_until,
    )
    return {r["store_id"]: Figures(*(_seconds_to_timedelta(v) for v in list(r.values())[1:])) for r in rows}


def differences(expected: dict[str, Figures], actual: dict[str, Figures], tolerance=timedelta(0)) -> list[str]:
    """Human-readable differences, store by store."""
    out = []
    for store in sorted(expected.keys() - actual.keys()):
        out.append(f"{store}: missing from the SQL result")
    for store in sorted(actual.keys() - expected.keys()):
        out.append(f"{store}: reported by SQL but should not be")
    names = list(Figures.__dataclass_fields__)
    for store in sorted(expected.keys() & actual.keys()):
        for name, want, got in zip(names, expected[store].as_tuple(), actual[store].as_tuple()):
            if abs(want - got) > tolerance:
                out.append(f"{store}.{name}: expected {want}, SQL gave {got}")
    return out


def read_sample(directory: Path | str) -> tuple[list[Poll], list[HourRow], dict[str, str], list[SpecialRow]]:
    """The sample generator's CSV files as model rows (statuses normalised as the loader does), in the later
    release's shape or the first release's (`python -m app sample --first-release`)."""
    directory = Path(directory)
    first_release = not (directory / "store_status.csv").exists()
    names = FIRST_RELEASE_FILE_NAMES if first_release else FILE_NAMES
    with (directory / names["store_status"]).open() as f:
        polls = [
            Poll(r["store_id"].strip(), r["status"].strip().lower(),
                 datetime.fromisoformat(r["timestamp_utc"].strip().replace(" UTC", "+00:00")))
            for r in csv.DictReader(f)
        ]
    weekday = "day" if first_release else "dayOfWeek"
    with (directory / names["menu_hours"]).open() as f:
        hours = [HourRow(r["store_id"], int(r[weekday]), time.fromisoformat(r["start_time_local"]),
                         time.fromisoformat(r["end_time_local"])) for r in csv.DictReader(f)]
    with (directory / names["timezones"]).open() as f:
        zones = {r["store_id"]: r["timezone_str"] for r in csv.DictReader(f)}
    special: list[SpecialRow] = []
    if (directory / "special_hours.csv").exists():
        with (directory / "special_hours.csv").open() as f:
            special = [SpecialRow(r["store_id"], date.fromisoformat(r["date_local"]),
                                  time.fromisoformat(r["start_time_local"]) if r["start_time_local"] else None,
                                  time.fromisoformat(r["end_time_local"]) if r["end_time_local"] else None)
                       for r in csv.DictReader(f)]
    return polls, hours, zones, special


async def create_report(conn: asyncpg.Connection, as_of: datetime, store_ids: Sequence[str] | None = None,
                        days: tuple[date, date] | None = None) -> Report:
    """A report row as a worker has just claimed it (running)."""
    parameters = ReportParameters(store_ids=list(store_ids) if store_ids else None,
                                  days=DayRange(**{"from": days[0], "to": days[1]}) if days else None)
    record = await conn.fetchrow(
        "insert into report (as_of, parameters, status) values ($1, $2, 'running') returning *",
        as_of, parameters.stored(),
    )
    return Report.model_validate(dict(record))


async def stored_rows(conn: asyncpg.Connection, report_id) -> dict[str, tuple[Decimal, ...]]:
    """Each stored store's six figures."""
    rows = await conn.fetch("select store_id, uptime_last_hour, uptime_last_day, uptime_last_week, downtime_last_hour, "
                            "downtime_last_day, downtime_last_week from report_row where report_id = $1", report_id)
    return {r["store_id"]: tuple(list(r.values())[1:]) for r in rows}


async def csv_text(conn: asyncpg.Connection, report_id) -> str:
    """The report's CSV exactly as the API streams it (COPY ... TO STDOUT)."""
    out = io.BytesIO()

    async def collect(chunk: bytes) -> None:
        out.write(chunk)

    await write_csv(conn, report_id, collect)
    return out.getvalue().decode()


async def report_csv(pool: asyncpg.Pool, as_of: datetime, store_ids: Sequence[str] | None = None,
                     shards: int = 2) -> str:
    """A report run by the engine as a worker runs it, then streamed as CSV: the real output path."""
    async with pool.acquire() as conn:
        report = await create_report(conn, as_of, store_ids)
    await run_report(pool, report, shards=shards)
    async with pool.acquire() as conn:
        return await csv_text(conn, report.id)
