"""Replacing a store's weekly hours, time zone and special hours (SQL in sql/queries/stores.sql). Times are checked
by the loader's own rule (staging.is_time), day numbers 0 (Monday) to 6; a zone name PostgreSQL does not know is
stored, with a warning that reports use the fallback zone for it."""

from dataclasses import dataclass
from datetime import date

import asyncpg

from app.db.queries import queries
from app.errors import InvalidStoreData


@dataclass(frozen=True)
class HoursRow:
    day_of_week: int
    start_time_local: str
    end_time_local: str


@dataclass(frozen=True)
class Interval:
    start_time_local: str
    end_time_local: str


async def _check_times(conn: asyncpg.Connection, labelled: list[tuple[str, str]]) -> None:
    """Refuses the first time that is not `H:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff` (00:00 to 23:59:59.999999)."""
    bad = await conn.fetch(queries["bad_times"], [label for label, _ in labelled], [t for _, t in labelled])
    if bad:
        raise InvalidStoreData("; ".join(f"{r['label']}: not a time of day (HH:MM[:SS]): {r['value']!r}"
                                         for r in bad))


async def replace_hours(conn: asyncpg.Connection, store_id: str, rows: list[HoursRow]) -> int:
    """The store's weekly rows become exactly `rows` (none: open 24/7). Returns the rows stored."""
    problems = [f"[{i}].day_of_week: must be 0 (Monday) to 6 (Sunday), got {r.day_of_week}"
                for i, r in enumerate(rows) if not 0 <= r.day_of_week <= 6]
    if problems:
        raise InvalidStoreData("; ".join(problems))
    await _check_times(conn, [(f"[{i}].{name}", value) for i, r in enumerate(rows)
                              for name, value in (("start_time_local", r.start_time_local),
                                                  ("end_time_local", r.end_time_local))])
    async with conn.transaction():
        return await conn.fetchval(queries["replace_store_hours"], store_id, [r.day_of_week for r in rows],
                                   [r.start_time_local for r in rows], [r.end_time_local for r in rows])


async def set_timezone(conn: asyncpg.Connection, store_id: str, timezone_str: str) -> str | None:
    """Stores the name; returns a warning when PostgreSQL does not know it (reports then use the fallback)."""
    name = timezone_str.strip()
    if not name:
        raise InvalidStoreData("timezone_str is empty")
    used = await conn.fetchval(queries["set_store_timezone"], store_id, name)
    return None if used == name else f"unknown time zone {name!r}: reports use {used} for this store"


async def replace_special_hours(conn: asyncpg.Connection, store_id: str, day: date, intervals: list[Interval]) -> int:
    """The store's special rows for local date `day` become exactly `intervals` (none: closed that day)."""
    await _check_times(conn, [(f"[{i}].{name}", value) for i, r in enumerate(intervals)
                              for name, value in (("start_time_local", r.start_time_local),
                                                  ("end_time_local", r.end_time_local))])
    async with conn.transaction():
        return await conn.fetchval(queries["replace_special_hours"], store_id, day,
                                   [r.start_time_local for r in intervals], [r.end_time_local for r in intervals])


async def drop_special_hours(conn: asyncpg.Connection, store_id: str, day: date) -> int:
    """Drops the store's exception for `day` (its weekly hours apply again). Returns the rows removed."""
    return await conn.fetchval(queries["drop_special_hours"], store_id, day)
