"""Holding the app at a known statement with locks the test holds, rather than timing: a test takes a lock, starts
the app, waits until the app's backend is seen waiting for that lock in the statement it expects
(waiting_in), does what it means to do at exactly that point (a kill, a cancel, a check), then releases the lock."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from app.config import Settings


class HeldLock:
    """An open transaction that holds the locks its statements took until release() rolls it back."""

    def __init__(self, conn: asyncpg.Connection, transaction):
        self.conn, self.transaction = conn, transaction

    @classmethod
    async def take(cls, settings: Settings, sql: str, *args: object) -> HeldLock:
        conn = await asyncpg.connect(settings.dsn())
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(sql, *args)
        return cls(conn, transaction)

    @property
    def pid(self) -> int:
        return self.conn.get_server_pid()

    async def release(self) -> None:
        try:
            await self.transaction.rollback()
        finally:
            await self.conn.close()


# Tables a report's shards read, to lock so that they wait. store_timezone: posts of polls go on (they never read
# it). status_change_baseline (each store's status where the summary's kept chunks begin): the web page's live
# panels go on (they read zones, never the summary), but a post of polls with a new store waits.
BY_ZONES = "store_timezone"
BY_BASELINE = "status_change_baseline"


async def block_reports(settings: Settings, table: str = BY_ZONES) -> HeldLock:
    """Until released, every report shard waits on `table`, which the report's SQL reads. Claims, planning and
    heartbeats go on, so reports are `running` without finishing."""
    assert table in (BY_ZONES, BY_BASELINE)
    return await HeldLock.take(settings, f"lock table {table} in access exclusive mode")


@asynccontextmanager
async def reports_blocked(settings: Settings, table: str = BY_ZONES) -> AsyncIterator[None]:
    lock = await block_reports(settings, table)
    try:
        yield
    finally:
        await lock.release()


# A statement-level trigger that makes a statement wait, at its start (or its end), for an advisory lock the test
# holds, when a condition holds. It is created in the test's own database only (dropped after the test), never by
# the app.
_HOLD_FUNCTION = """
create schema if not exists test_hold;
create or replace function test_hold.wait() returns trigger language plpgsql as $$
declare
    hold boolean;
begin
    execute 'select ' || tg_argv[1] into hold;
    if hold then
        perform pg_advisory_xact_lock_shared(tg_argv[0]::bigint);
    end if;
    return null;
end
$$;
"""
_hold_keys = itertools.count(0x7E57_0000)


async def hold_statements(settings: Settings, table: str, when: str = "true", event: str = "insert",
                          timing: str = "before") -> HeldLock:
    """Until released, every statement that writes `table` (`event`: insert, update or delete) waits at its start,
    before it changes a row (`timing` "after": at its end, every row written, locks held), in a lock wait that
    pg_stat_activity shows, when the SQL condition `when` holds then (e.g. `current_query() ilike 'copy%'`)."""
    key = next(_hold_keys)
    conn = await asyncpg.connect(settings.dsn())
    try:
        await conn.execute(_HOLD_FUNCTION)
        await conn.execute(f"create trigger test_hold_{key} {timing} {event} on {table} for each statement "
                           f"execute function test_hold.wait('{key}', $when${when}$when$)")
    finally:
        await conn.close()
    return await HeldLock.take(settings, "select pg_advisory_xact_lock($1)", key)


async def lock_waits(conn: asyncpg.Connection, query_like: str) -> int:
    """How many backends of this database wait for a lock in a statement like `query_like`."""
    return await conn.fetchval("select count(*) from pg_stat_activity where datname = current_database() "
                               "and wait_event_type = 'Lock' and query like $1", query_like)


async def alone_but(conn: asyncpg.Connection, ours: list[int]) -> bool:
    """True when no client but `conn` and the backends `ours` is connected to this database."""
    return await conn.fetchval("select not exists (select from pg_stat_activity where datname = current_database() "
                               "and backend_type = 'client backend' and pid <> pg_backend_pid() "
                               "and pid <> all($1::int[]))", ours)
