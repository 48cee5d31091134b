"""The status change summary (sql/functions/summary, app/summary): what it holds, that every kind of write to
store_status makes it stale exactly where it should, that refreshing makes it true again (after drop_chunks and a
TRUNCATE of a chunk too), that a report never trusts a stale summary, and that the incremental upkeep of our own
writes (absorb) leaves exactly what a refresh from scratch would."""

import asyncio
import random
from datetime import timedelta

import asyncpg
import pytest

from app.db.queries import queries
from app.ingest import ingest
from app.report import engine
from app.report.engine import run_report
from app.sample import generate_sample
from app.summary import refresh as summary
from app.summary.refresh import INFINITY, MINUS_INFINITY, STALE_SUMMARY, refresh_summary_on, stale_from
from tests.support.cases import utc
from tests.support.model import Poll, compute_report
from tests.support.reports import create_report, differences, read_sample, sql_figures, stored_rows
from tests.support.summary import expected_summary, summary_rows

DAY = timedelta(days=1)
START = utc("2024-03-01 00:00")  # a chunk boundary (chunks are UTC days)


async def insert_polls(conn, polls) -> None:
    await conn.copy_records_to_table("store_status", records=polls, columns=["store_id", "status", "timestamp_utc"])


def random_polls(seed: int, days: int = 4, stores: int = 5, per_day: int = 30):
    rng = random.Random(seed)
    polls = []
    for _ in range(days * stores * per_day):
        ts = START + timedelta(seconds=rng.randrange(days * 86400)) + timedelta(microseconds=rng.choice([0, 0, 5]))
        polls.append((f"s{rng.randrange(stores)}", rng.choice(["active", "active", "inactive"]), ts))
    polls += polls[:10]  # exact duplicates
    polls += [(s, "inactive" if st == "active" else "active", ts) for s, st, ts in polls[10:15]]  # same instant
    return polls


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_summary_holds_first_poll_per_chunk_and_every_change(conn, seed):
    polls = random_polls(seed)
    await insert_polls(conn, polls)
    result = await refresh_summary_on(conn)
    assert result.chunks == 4
    assert await summary_rows(conn) == expected_summary(polls)
    assert await conn.fetchval("select count(*) from status_change_pending") == 0  # all settled


async def test_every_kind_of_write_is_noted(conn):
    await conn.execute("insert into store_status values ('a', 'active', $1)", START)
    await insert_polls(conn, [("a", "inactive", START + DAY)])
    await conn.execute("update store_status set status = 'inactive' where timestamp_utc = $1", START)
    await conn.execute("delete from store_status where timestamp_utc = $1", START + DAY)
    async with conn.transaction():
        await conn.execute(queries["set_poll_range"], START, START + DAY)
        await conn.execute("insert into store_status values ('b', 'active', $1)", START + timedelta(hours=1))
    await conn.execute("truncate store_status")
    noted = await conn.fetch("select operation, polls_from, polls_to from status_change_pending order by id")
    assert [tuple(r) for r in noted] == [
        ("INSERT", None, None), ("INSERT", None, None), ("UPDATE", None, None), ("DELETE", None, None),
        ("INSERT", START, START + DAY), ("TRUNCATE", None, None),
    ]


async def test_staleness_follows_the_writes(conn):
    assert await stale_from(conn, START + 10 * DAY) == INFINITY  # nothing at all
    await insert_polls(conn, random_polls(4))
    assert await stale_from(conn, START + 10 * DAY) == START  # never summarized
    assert await stale_from(conn, START - DAY) == INFINITY  # a report before every chunk needs none of them
    await refresh_summary_on(conn)
    assert await stale_from(conn, START + 10 * DAY) == INFINITY

    # The loader says where it writes: only the chunks it touched go stale, and only for reports that reach them.
    async with conn.transaction():
        await conn.execute(queries["set_poll_range"], START + 2 * DAY + timedelta(hours=5),
                           START + 2 * DAY + timedelta(hours=6))
        await insert_polls(conn, [("s1", "inactive", START + 2 * DAY + timedelta(hours=5))])
    assert await stale_from(conn, START + 10 * DAY) == START + 2 * DAY
    assert await stale_from(conn, START + 2 * DAY + timedelta(hours=4)) == INFINITY  # written after as_of
    result = await refresh_summary_on(conn)
    assert result.chunks == 1
    assert await stale_from(conn, START + 10 * DAY) == INFINITY

    # Anyone else may have written anywhere: every chunk is stale. Only INSERTs, so a count of each chunk's polls
    # tells the one they touched; the others are confirmed, not summarized again.
    summarized = dict(await conn.fetch("select chunk, summarized_at from status_change_chunk"))
    await insert_polls(conn, [("s1", "active", START + 3 * DAY + timedelta(hours=1))])
    assert await stale_from(conn, START + 10 * DAY) == START
    result = await refresh_summary_on(conn)
    assert (result.chunks, result.confirmed) == (1, 3)
    after = dict(await conn.fetch("select chunk, summarized_at from status_change_chunk"))
    assert len([c for c in after if after[c] != summarized[c]]) == 1
    assert await stale_from(conn, START + 10 * DAY) == INFINITY

    # A DELETE could remove as many polls as an INSERT adds: no shortcut then.
    await insert_polls(conn, [("s9", "active", START + timedelta(hours=2))])
    await conn.execute("delete from store_status where store_id = 's9'")
    result = await refresh_summary_on(conn)
    assert (result.chunks, result.confirmed) == (4, 0)


async def test_uncommitted_and_concurrent_writes(db_settings, conn):
    await insert_polls(conn, random_polls(5))
    await refresh_summary_on(conn)
    other = await asyncpg.connect(db_settings.dsn())
    try:
        tx = other.transaction()
        await tx.start()
        await insert_polls(other, [("s2", "inactive", START + timedelta(hours=3))])
        # Not committed: invisible to us, like its polls; a refresh now leaves it pending.
        assert await stale_from(conn, START + 10 * DAY) == INFINITY
        await refresh_summary_on(conn)
        await tx.commit()
        assert await stale_from(conn, START + 10 * DAY) == START
        result = await refresh_summary_on(conn)
        assert (result.chunks, result.confirmed) == (1, 3)
        assert await stale_from(conn, START + 10 * DAY) == INFINITY
    finally:
        await other.close()
    polls = [(r["store_id"], r["status"], r["timestamp_utc"]) for r in await conn.fetch("select * from store_status")]
    assert await summary_rows(conn) == expected_summary(polls)


async def test_dropped_and_truncated_chunks(conn):
    polls = random_polls(6)
    await insert_polls(conn, polls)
    await refresh_summary_on(conn)
    # Retention: drop_chunks is DDL, no trigger fires; the summary's record of the chunk outlives it.
    await conn.execute("select drop_chunks('store_status', older_than => $1::timestamptz)", START + DAY)
    assert await stale_from(conn, START + 10 * DAY) == START
    # TRUNCATE of one chunk table directly: no trigger either, but the chunk's file node changes.
    chunk = await conn.fetchval("""select format('%I.%I', chunk_schema, chunk_name) from timescaledb_information.chunks
                                   where hypertable_name = 'store_status' and range_start = $1""", START + 2 * DAY)
    await conn.execute(f"truncate {chunk}")
    reasons = {r["range_start"]: r["reason"]
               for r in await conn.fetch("select * from status_change_stale_chunks_v1('infinity')")}
    assert reasons == {START: "chunk dropped", START + 2 * DAY: "rewritten"}
    result = await refresh_summary_on(conn)
    assert (result.dropped, result.chunks) == (1, 1)
    left = [p for p in polls if START + DAY <= p[2] < START + 2 * DAY or p[2] >= START + 3 * DAY]
    assert await summary_rows(conn) == expected_summary(left)
    assert await stale_from(conn, START + 10 * DAY) == INFINITY


async def test_a_stale_summary_is_never_read(conn):
    """Told to read the summary up to a point it is no longer good for, the statement fails instead of
    answering from it (a load committed between the engine's look and the shard)."""
    await insert_polls(conn, random_polls(7))
    await refresh_summary_on(conn)
    await insert_polls(conn, [("s3", "inactive", START + timedelta(hours=2))])
    with pytest.raises(asyncpg.PostgresError) as failure:
        await sql_figures(conn, START + 5 * DAY, summary_until=INFINITY)
    assert failure.value.sqlstate == STALE_SUMMARY


async def test_engine_catches_up_when_a_load_lands_under_it(conn, pool, monkeypatch):
    """The engine looks at the summary, a load commits, the shards start: each shard's statement notices, the
    engine summarizes again and reruns it, and the report is exact."""
    polls = [(s, st, ts) for s, st, ts in random_polls(8)]
    await insert_polls(conn, polls)
    await refresh_summary_on(conn)
    as_of = START + 4 * DAY
    late = [("s0", "inactive", START + timedelta(hours=1)), ("s4", "inactive", START + 3 * DAY)]
    real = engine.usable_summary_until
    calls = []

    async def look_then_load(pool_, as_of_, workers):
        calls.append(as_of_)
        until = await real(pool_, as_of_, workers)
        if len(calls) == 1:
            await insert_polls(conn, late)  # lands after the look, before the shards
        return until

    monkeypatch.setattr(engine, "usable_summary_until", look_then_load)
    report = await create_report(conn, as_of)
    await run_report(pool, report, shards=2)
    rows = await stored_rows(conn, report.id)
    assert len(calls) >= 2  # the shards came back for a new look
    model_polls = [Poll(s, st, ts) for s, st, ts in polls + late]
    expected = {s: f.rounded() for s, f in compute_report(model_polls, [], {}, as_of).items()}
    assert rows == expected


async def test_mixed_reading_agrees_with_reading_every_poll(conn):
    """Summary for the older chunks, polls for the newer: the same figures as reading every poll."""
    polls = random_polls(9, days=6)
    older = [p for p in polls if p[2] < START + 4 * DAY]
    newer = [p for p in polls if p[2] >= START + 4 * DAY]
    await insert_polls(conn, older)
    await refresh_summary_on(conn)
    async with conn.transaction():
        await conn.execute(queries["set_poll_range"], START + 4 * DAY, START + 6 * DAY)
        await insert_polls(conn, newer)
    as_of = START + 6 * DAY - timedelta(minutes=1)
    assert await stale_from(conn, as_of) == START + 4 * DAY
    mixed = await sql_figures(conn, as_of, summary_until=START + 4 * DAY)
    every_poll = await sql_figures(conn, as_of, summary_until=MINUS_INFINITY)
    assert mixed == every_poll and len(mixed) == 5


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary-sample")
    generate_sample(out, stores=200, days=9, seed=11)
    return out


async def test_loader_keeps_the_summary_current(db_settings, conn, small_sample, tmp_path):
    assert (await ingest(db_settings, small_sample, progress=False)).ok
    newest = await conn.fetchval("select newest_poll_v1()")
    assert await stale_from(conn, newest) == INFINITY
    assert await conn.fetchval("select count(*) from status_change_pending") == 0
    summarized = dict(await conn.fetch("select chunk, summarized_at from status_change_chunk"))

    # Loading the same files again changes nothing, so nothing is summarized again.
    assert (await ingest(db_settings, small_sample, progress=False)).ok
    assert dict(await conn.fetch("select chunk, summarized_at from status_change_chunk")) == summarized
    assert await conn.fetchval("select count(*) from status_change_pending") == 0

    # An hour of new polls: the summary absorbs them in proportion (no chunk is summarized again) and is exactly
    # what summarizing everything would give.
    polls, hours, zones, special = read_sample(small_sample)
    stores = sorted({p.store_id for p in polls})
    next_hour = [Poll(s, "inactive" if i % 3 else "active", newest + timedelta(minutes=20 + i % 40))
                 for i, s in enumerate(stores)]
    feed = tmp_path / "store_status.csv"
    feed.write_text("store_id,status,timestamp_utc\n" + "".join(
        f"{p.store_id},{p.status},{p.ts.strftime('%Y-%m-%d %H:%M:%S.%f')} UTC\n" for p in next_hour))
    assert (await ingest(db_settings, status=feed, progress=False)).ok
    after = dict(await conn.fetch("select chunk, summarized_at from status_change_chunk"))
    assert [c for c in after if summarized.get(c) != after[c]] == []
    as_of = newest + timedelta(hours=1)
    assert await stale_from(conn, as_of) == INFINITY
    assert await conn.fetchval("select count(*) from status_change_pending") == 0
    everything = [(p.store_id, p.status, p.ts) for p in polls + next_hour]
    assert await summary_rows(conn) == expected_summary(everything)
    rows = await sql_figures(conn, as_of, summary_until=INFINITY)
    assert differences(compute_report(polls + next_hour, hours, zones, as_of, special=special), rows) == []


async def test_summarize_command_after_an_outside_load(db_settings, conn, monkeypatch, capsys):
    from app import cli

    await insert_polls(conn, random_polls(10, days=2))  # as timescaledb-parallel-copy would
    assert await stale_from(conn, START + 3 * DAY) == START
    monkeypatch.setattr(cli, "get_settings", lambda: db_settings)
    assert await asyncio.to_thread(cli.main, ["summarize"]) == 0
    assert "2 chunk(s) summarized" in capsys.readouterr().out
    assert await stale_from(conn, START + 3 * DAY) == INFINITY


async def test_a_refresh_that_dies_midway_leaves_nothing_half_done(conn, monkeypatch):
    """Each chunk is summarized in its own transaction: a refresh that fails inside the second chunk's (after
    deleting that chunk's old rows) leaves the first chunk current, the second with its old rows and stale (so
    read from the polls), and the next refresh finishes the job."""
    polls = random_polls(12, days=3)
    await insert_polls(conn, polls)
    await refresh_summary_on(conn)
    before = await summary_rows(conn)
    extra = [("s1", "inactive", START + timedelta(minutes=30)), ("s2", "inactive", START + DAY + timedelta(hours=7))]
    await insert_polls(conn, extra)  # an outside load: every chunk stale
    real, calls = summary._summarize, []

    async def fail_inside_second(c, chunk):
        calls.append(chunk["range_start"])
        if len(calls) == 2:
            async with c.transaction():
                await c.execute("delete from status_change where ts >= $1 and ts < $2", chunk["range_start"],
                                chunk["range_end"])
                await c.execute("select 1/0")
        return await real(c, chunk)

    monkeypatch.setattr(summary, "_summarize", fail_inside_second)
    with pytest.raises(asyncpg.DivisionByZeroError):
        await refresh_summary_on(conn)
    assert await stale_from(conn, START + 5 * DAY) == START + DAY  # the first chunk is current again
    second_day = {r for r in await summary_rows(conn) if START + DAY <= r[1] < START + 2 * DAY}
    assert second_day == {r for r in before if START + DAY <= r[1] < START + 2 * DAY}  # rolled back whole
    as_of = START + 3 * DAY - timedelta(minutes=3)
    assert await sql_figures(conn, as_of) == await sql_figures(conn, as_of, summary_until=MINUS_INFINITY)
    monkeypatch.setattr(summary, "_summarize", real)
    result = await refresh_summary_on(conn)
    assert (result.chunks, result.confirmed) == (1, 1)  # the third chunk got no new poll
    assert await summary_rows(conn) == expected_summary(polls + extra)
