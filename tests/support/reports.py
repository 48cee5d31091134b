"""Helpers shared by the report tests: load model-shaped rows into a test database, read SQL figures back."""

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal

import asyncpg

from tests.support.model import Figures, HourRow, Poll


async def load_rows(conn: asyncpg.Connection, polls: Iterable[Poll], hours: Iterable[HourRow],
                    timezones: dict[str, str]) -> None:
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


def _seconds_to_timedelta(seconds: Decimal) -> timedelta:
    return timedelta(microseconds=int(seconds * 1_000_000))


async def sql_figures(conn: asyncpg.Connection, as_of, store_ids=None, store_from=None, store_to=None,
                      summary_until=None) -> dict[str, Figures]:
    """report_seconds_v2's figures. summary_until: how far the status change summary is read (MINUS_INFINITY:
    every poll is read; None: as far as the statement finds it usable)."""
    rows = await conn.fetch(
        "select * from report_seconds_v2($1, $2, $3, $4, $5)", as_of, store_from, store_to, store_ids,
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
    names = [f.removeprefix("") for f in Figures.__dataclass_fields__]
    for store in sorted(expected.keys() & actual.keys()):
        for name, want, got in zip(names, expected[store].as_tuple(), actual[store].as_tuple()):
            if abs(want - got) > tolerance:
                out.append(f"{store}.{name}: expected {want}, SQL gave {got}")
    return out


def read_sample(directory) -> tuple[list[Poll], list[HourRow], dict[str, str]]:
    """The sample generator's three CSV files as model rows (statuses normalised as the loader does)."""
    import csv
    from datetime import datetime, time
    from pathlib import Path

    directory = Path(directory)
    with (directory / "store_status.csv").open() as f:
        polls = [
            Poll(r["store_id"].strip(), r["status"].strip().lower(),
                 datetime.fromisoformat(r["timestamp_utc"].strip().replace(" UTC", "+00:00")))
            for r in csv.DictReader(f)
        ]
    with (directory / "menu_hours.csv").open() as f:
        hours = [HourRow(r["store_id"], int(r["dayOfWeek"]), time.fromisoformat(r["start_time_local"]),
                         time.fromisoformat(r["end_time_local"])) for r in csv.DictReader(f)]
    with (directory / "timezones.csv").open() as f:
        zones = {r["store_id"]: r["timezone_str"] for r in csv.DictReader(f)}
    return polls, hours, zones


async def create_report(conn: asyncpg.Connection, as_of, store_ids=None):
    import json

    parameters = json.dumps({"store_ids": store_ids} if store_ids else {})
    return await conn.fetchval(
        "insert into report (as_of, parameters, status) values ($1, $2::jsonb, 'running') returning id",
        as_of, parameters,
    )


async def stored_rows(conn: asyncpg.Connection, report_id) -> dict[str, tuple[Decimal, ...]]:
    rows = await conn.fetch("select * from report_row where report_id = $1", report_id)
    return {r["store_id"]: tuple(list(r.values())[2:]) for r in rows}
