"""stores_down_now_v1 (the down-now panel's SQL) with its cache of business hours: it lists the same stores as
business hours computed on the spot (rules 5 and 10), at instants before and after the cached spans, for every store
and for a tenant's; every change of a store's weekly hours, special hours, zone or the known zone names reaches it;
a read-only transaction (a standby) computes without keeping anything."""

from datetime import time, timedelta

import asyncpg

from tests.support.cases import utc
from tests.support.web import load_generated_sample

NOW = utc("2024-03-14 12:00")
HOURS = "insert into store_hours (store_id, day_of_week, start_time_local, end_time_local) values ($1, $2, $3, $4)"
DIRECT = """
    select k.store_id, k.status_since as down_since, k.last_poll_at
    from business_hours_of_v1($1::timestamptz - interval '1 microsecond', $1::timestamptz,
                              array(select store_id from polled_store
                                    where status = 'inactive' and status_since <= $1::timestamptz
                                      and ($2::text[] is null or store_id = any ($2::text[])))) h
    join polled_store k on k.store_id = h.store_id
    where not isempty(h.hours)
    order by k.last_poll_at desc, k.store_id
"""


async def _down(conn: asyncpg.Connection, now, store_ids=None) -> list[tuple]:
    return [tuple(r) for r in await conn.fetch("select * from stores_down_now_v1($1, $2)", now, store_ids)]


async def _direct(conn: asyncpg.Connection, now, store_ids=None) -> list[tuple]:
    return [tuple(r) for r in await conn.fetch(DIRECT, now, store_ids)]


async def test_down_now_agrees_with_business_hours_computed_on_the_spot(db_settings, tmp_path, conn):
    await load_generated_sample(db_settings, tmp_path / "sample", 120)
    newest = await conn.fetchval("select max(last_poll_at) from polled_store")
    some = [r["store_id"] for r in await conn.fetch("select store_id from polled_store order by store_id limit 40")]
    # Back and forth across the cached spans (a day before to two days after the instant that filled them).
    instants = [newest - timedelta(hours=h) for h in (0, 5, 11, 23, 26, 47, 71, 1, 3)] + [newest + timedelta(days=3)]
    seen = 0
    for now in instants:
        down = await _down(conn, now)
        assert down == await _direct(conn, now), now
        assert await _down(conn, now, some) == await _direct(conn, now, some), now
        seen += len(down)
    assert seen > 0
    assert await conn.fetchval("select count(*) from business_hours_cache where span_from is not null") > 0


async def _registry(conn: asyncpg.Connection, *stores: str) -> None:
    """Stores whose newest poll, at 11:00, is inactive since 10:00 (the registry as the summary keeps it)."""
    await conn.executemany(
        "insert into polled_store (store_id, first_poll_at, first_status, last_poll_at, status, status_since) "
        "values ($1, $2, 'active', $3, 'inactive', $4)",
        [(s, utc("2024-03-01 00:00"), utc("2024-03-14 11:00"), utc("2024-03-14 10:00")) for s in stores])


async def test_every_change_of_a_stores_hours_reaches_the_panel(conn):
    await _registry(conn, "s", "other")
    listed = ["other", "s"]  # same newest poll: by store id

    async def check(expected: list[str]) -> None:
        assert [r[0] for r in await _down(conn, NOW)] == expected
        assert await _down(conn, NOW) == await _direct(conn, NOW)

    await check(listed)  # no hours: open all the time
    # 12:30-17:00 every day: closed at 12:00 UTC, in Chicago (no zone: rule 4) 07:00 and in Tokyo 21:00...
    await conn.executemany(HOURS, [("s", d, time(12, 30), time(17)) for d in range(7)])
    await check(["other"])
    await conn.execute("insert into store_timezone values ('s', 'Asia/Tokyo')")
    await check(["other"])
    # ... but open in Paris (13:00).
    await conn.execute("update store_timezone set timezone_str = 'Europe/Paris' where store_id = 's'")
    await check(listed)
    # Closed on the 14th, then not.
    await conn.execute("insert into special_hours (store_id, date_local) values ('s', '2024-03-14')")
    await check(["other"])
    await conn.execute("delete from special_hours where store_id = 's'")
    await check(listed)
    await conn.execute("update store_hours set start_time_local = '14:00' where store_id = 's'")
    await check(["other"])
    await conn.execute("delete from store_hours where store_id = 's'")
    await check(listed)
    await conn.executemany(HOURS, [("s", d, time(12, 30), time(17)) for d in range(7)])
    await check(listed)
    # Europe/Paris unknown (a time zone database without it): America/Chicago, closed; known again: open.
    await conn.execute("delete from known_zone where name = 'Europe/Paris'")
    await check(["other"])
    await conn.execute("insert into known_zone (name) values ('Europe/Paris')")
    await check(listed)
    await conn.execute("truncate store_timezone")
    await check(["other"])
    await conn.execute("truncate store_hours")
    await check(listed)


async def test_a_read_only_transaction_computes_without_keeping(conn):
    await _registry(conn, "s")
    await conn.executemany(HOURS, [("s", d, time(11), time(13)) for d in range(7)])
    await conn.execute("insert into store_timezone values ('s', 'UTC')")
    async with conn.transaction(readonly=True):
        assert [r[0] for r in await _down(conn, NOW)] == ["s"]
    assert await conn.fetchval("select count(*) from business_hours_cache where span_from is not null") == 0
    assert [r[0] for r in await _down(conn, NOW)] == ["s"]
    assert await conn.fetchval("select count(*) from business_hours_cache where span_from is not null") == 1
