"""The summary's upkeep for our own writes (summary_absorb_polls_v1, app/summary/absorb.py): after any sequence of
batches -- appended at the end, back-filled into the middle of a day, at the very instants of stored polls, with
copies of stored polls, for new stores -- the summary and the registry of polled stores are exactly what
summarizing everything from scratch gives, no write is left pending, and nothing is stale."""

import random
from datetime import datetime, timedelta

import pytest

from app.summary.absorb import absorb_polls
from app.summary.lock import summary_lock
from app.summary.refresh import INFINITY, refresh_summary_on, stale_from
from tests.support.cases import utc
from tests.support.summary import Poll, expected_summary, summary_rows

DAY = timedelta(days=1)
START = utc("2024-03-01 00:00")

def expected_registry(polls: list[Poll]) -> dict[str, tuple]:
    """(first poll, its status, last poll, latest status, since when): an instant polled both ways is inactive."""
    instants: dict[str, dict[datetime, str]] = {}
    for store, status, ts in polls:
        at = instants.setdefault(store, {})
        at[ts] = "inactive" if "inactive" in (status, at.get(ts)) else "active"
    registry = {}
    for store, at in instants.items():
        times = sorted(at)
        latest = at[times[-1]]
        since = times[-1]
        for ts in reversed(times):
            if at[ts] != latest:
                break
            since = ts
        registry[store] = (times[0], at[times[0]], times[-1], latest, since)
    return registry


async def registry_rows(conn) -> dict[str, tuple]:
    return {r["store_id"]: (r["first_poll_at"], r["first_status"], r["last_poll_at"], r["status"], r["status_since"])
            for r in await conn.fetch("select * from polled_store")}


async def post(conn, batch: list[Poll]) -> None:
    """What the live intake does: store the new polls and absorb them, in one REPEATABLE READ transaction."""
    async with summary_lock(conn), conn.transaction(isolation="repeatable_read"):
        stored = set(tuple(r) for r in await conn.fetch("select store_id, status::text, timestamp_utc "
                                                        "from store_status"))
        new = sorted({p for p in batch if p not in stored})
        await conn.copy_records_to_table("store_status", records=new, columns=["store_id", "status", "timestamp_utc"])
        await absorb_polls(conn, [p[0] for p in new], [p[2] for p in new], exact=True)


def batches(seed: int) -> list[list[Poll]]:
    rng = random.Random(seed)
    stores = [f"s{i}" for i in range(6)]
    history: list[Poll] = []
    out = []
    clock = START
    for _ in range(12):
        kind = rng.choice(["append", "append", "backfill", "same instants", "copies", "new store"])
        batch: list[Poll] = []
        if kind == "append":  # one to four polls per store, some at one instant both ways
            clock += timedelta(minutes=rng.randrange(20, 400))
            batch = [(s, rng.choice(["active", "active", "inactive"]),
                      clock + timedelta(seconds=rng.choice([0, rng.randrange(1, 3600)])))
                     for s in rng.sample(stores, rng.randrange(1, len(stores))) for _ in range(rng.randrange(1, 5))]
            clock += timedelta(hours=1)
        elif kind == "backfill" and clock > START:
            span = int((clock - START).total_seconds())
            batch = [(rng.choice(stores), rng.choice(["active", "inactive"]),
                      START + timedelta(seconds=rng.randrange(span))) for _ in range(rng.randrange(1, 6))]
        elif kind == "same instants" and history:
            batch = [(s, "inactive" if st == "active" else "active", ts)
                     for s, st, ts in rng.sample(history, min(2, len(history)))]
        elif kind == "copies" and history:
            batch = rng.sample(history, min(3, len(history)))
        elif kind == "new store":
            stores.append(f"n{len(stores)}")
            batch = [(stores[-1], rng.choice(["active", "inactive"]),
                      START + timedelta(minutes=rng.randrange(int((clock - START).total_seconds() // 60) + 1)))]
        if batch:
            history += batch
            out.append(batch)
    return out


@pytest.mark.parametrize("seed", range(12))
async def test_absorbed_batches_leave_what_a_refresh_from_scratch_leaves(conn, seed):
    everything: list[Poll] = []
    for batch in batches(seed):
        await post(conn, batch)
        everything += batch
        assert await summary_rows(conn) == expected_summary(everything)
        assert await registry_rows(conn) == expected_registry(everything)
        assert await conn.fetchval("select count(*) from status_change_pending") == 0
        assert await stale_from(conn, START + 30 * DAY) == INFINITY
    # And a refresh finds nothing to do.
    result = await refresh_summary_on(conn)
    assert (result.chunks, result.confirmed) == (0, 0)


async def test_a_chunk_someone_else_wrote_is_summarized_whole(conn):
    """An outside INSERT into a day leaves its chunk stale; our next batch there summarizes that chunk whole, so it
    includes the outside polls too."""
    await post(conn, [("a", "active", START + timedelta(hours=1))])
    await conn.execute("insert into store_status values ('b', 'inactive', $1)", START + timedelta(hours=2))
    assert await stale_from(conn, START + DAY) == START
    await post(conn, [("a", "inactive", START + timedelta(hours=3))])
    everything = [("a", "active", START + timedelta(hours=1)), ("b", "inactive", START + timedelta(hours=2)),
                  ("a", "inactive", START + timedelta(hours=3))]
    assert await summary_rows(conn) == expected_summary(everything)
    assert await stale_from(conn, START + DAY) == INFINITY
    assert await registry_rows(conn) == expected_registry(everything)
