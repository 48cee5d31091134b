"""The report engine end to end on generated data: shards, resumption after a crash, filters, CSV, and the full
default sample against the model."""

import asyncio
from datetime import timedelta

import pytest

from app.db.models import Report
from app.db.queries import queries
from app.ingest import ingest
from app.report.csv import CSV_HEADER, write_csv
from app.report.engine import newest_poll, plan_shards, run_report
from app.report.outages import ensure_outages
from app.sample import generate_sample
from tests.support.locks import hold_statements, lock_waits
from tests.support.model import compute_report, to_csv
from tests.support.reports import create_report, read_sample, stored_rows
from tests.support.wait import wait_until


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, stores=300, days=9, seed=7)
    return out


@pytest.fixture
async def loaded(db_settings, pool, small_sample):
    result = await ingest(db_settings, small_sample, progress=False)
    assert result.ok
    return pool, read_sample(small_sample)


def _expected_rows(model_input, as_of, store_ids=None):
    polls, hours, zones, special = model_input
    return {s: f.rounded() for s, f in compute_report(polls, hours, zones, as_of, store_ids, special).items()}


@pytest.mark.parametrize("shards", [1, 3, 8])
async def test_report_rows_match_model(loaded, shards):
    pool, model_input = loaded
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn)
        report = await create_report(conn, as_of)
    report_id = report.id
    count = await run_report(pool, report, shards=shards)
    async with pool.acquire() as conn:
        rows = await stored_rows(conn, report_id)
        shard_rows = await conn.fetch(queries["report_shards"], report_id)
        total, done = await conn.fetchrow("select stores_total, stores_done from report where id = $1", report_id)
    expected = _expected_rows(model_input, as_of)
    assert count == len(expected) == total == done
    assert len(shard_rows) == shards and all(s["finished_at"] for s in shard_rows)
    assert rows == expected


async def test_csv_is_byte_identical_to_model(loaded, tmp_path):
    pool, model_input = loaded
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn) - timedelta(hours=30, minutes=17)
        report = await create_report(conn, as_of)
    await run_report(pool, report, shards=2)
    async with pool.acquire() as conn:
        await write_csv(conn, report.id, tmp_path / "r.csv")
    polls, hours, zones, special = model_input
    text = (tmp_path / "r.csv").read_text()
    assert text.splitlines()[0] == CSV_HEADER
    assert text == to_csv(compute_report(polls, hours, zones, as_of, special=special))


async def test_store_filter_and_past_as_of(loaded):
    pool, model_input = loaded
    polls = model_input[0]
    wanted = sorted({p.store_id for p in polls})[::37] + ["no-such-store"]
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn) - timedelta(days=2)
        report = await create_report(conn, as_of, wanted)
    await run_report(pool, report, shards=3)
    async with pool.acquire() as conn:
        rows = await stored_rows(conn, report.id)
    assert rows == _expected_rows(model_input, as_of, wanted)
    assert "no-such-store" not in rows


async def test_rerun_after_crash_finishes_missing_shards_only(loaded):
    pool, model_input = loaded
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn)
        report = await create_report(conn, as_of)
        report_id = report.id
        plan = await plan_shards(conn, report_id, 4, None)
        # As if a worker died after committing shard 1 only.
        first = plan[1]
        await conn.fetchval(queries["compute_report_shard"], report_id, first["shard"], as_of,
                            first["store_from"], first["store_to"], None, None, None, None)
        partial = await stored_rows(conn, report_id)
        finished_at = await conn.fetchval(
            "select finished_at from report_shard where report_id = $1 and shard = $2", report_id, first["shard"])
    assert 0 < len(partial) < len(_expected_rows(model_input, as_of))
    await run_report(pool, report, shards=4)
    await run_report(pool, report, shards=4)  # a second re-run changes nothing
    async with pool.acquire() as conn:
        rows = await stored_rows(conn, report_id)
        again = await conn.fetchval(
            "select finished_at from report_shard where report_id = $1 and shard = $2", report_id, first["shard"])
    assert again == finished_at  # the finished shard was not recomputed
    assert rows == _expected_rows(model_input, as_of)


@pytest.mark.slow
async def test_full_default_sample_agrees_with_model(db_settings, pool, tmp_path):
    """Every store of the default-size sample (~14 k stores, ~2 M polls): SQL and model give the same CSV row."""
    generate_sample(tmp_path, stores=14_000, days=8, seed=1)
    assert (await ingest(db_settings, tmp_path, progress=False)).ok
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn)
        report = await create_report(conn, as_of)
    await run_report(pool, report, shards=2)
    async with pool.acquire() as conn:
        rows = await stored_rows(conn, report.id)
        # Rule 11 on every store: the lengths of its outages add up to its weekly downtime, to the microsecond.
        unequal = await conn.fetch(
            "select f.store_id from report_seconds_v3($1, null, null, null) f left join (select store_id, "
            "sum(extract(epoch from end_utc - start_utc)) as down from report_outages_v1($1, null, null, null) "
            "group by store_id) o using (store_id) where coalesce(o.down, 0) <> f.downtime_last_week", as_of)
    assert [r["store_id"] for r in unequal] == []
    expected = _expected_rows(read_sample(tmp_path), as_of)
    assert len(rows) == len(expected) > 13_000
    mismatched = [s for s in expected if rows.get(s) != expected[s]]
    assert mismatched == [], f"{len(mismatched)} stores differ, e.g. {mismatched[:3]}"


async def test_newest_poll_skips_empty_chunks(conn):
    assert await newest_poll(conn) is None
    await conn.execute("""insert into store_status values ('a', 'active', '2024-03-01 10:00+00'),
                                                          ('a', 'inactive', '2024-03-03 09:00+00'),
                                                          ('b', 'active', '2024-03-05 23:59:59.5+00')""")
    await conn.execute("delete from store_status where timestamp_utc > '2024-03-04'")  # leaves an empty chunk
    assert str(await newest_poll(conn)) == "2024-03-03 09:00:00+00:00"


async def test_a_deleted_report_takes_its_rows_days_and_outages_along(loaded):
    """The row tables have no foreign key (one check per row cost more than the row): a trigger deletes them."""
    pool, _ = loaded
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn)
        report = await create_report(conn, as_of, days=(as_of.date() - timedelta(days=3), as_of.date()))
        other = await create_report(conn, as_of)
    await run_report(pool, report, shards=2)
    await run_report(pool, other, shards=2)
    async with pool.acquire() as conn:
        await conn.execute("update report set status = 'complete' where id = $1", report.id)
        await ensure_outages(pool, Report.model_validate(dict(await conn.fetchrow(
            "select * from report where id = $1", report.id))))
        counts = ("select (select count(*) from report_row where report_id = $1) "
                  "+ (select count(*) from report_day where report_id = $1) "
                  "+ (select count(*) from report_outage where report_id = $1)")
        assert await conn.fetchval(counts, report.id) > 0
        kept = await conn.fetchval(counts, other.id)
        await conn.execute(queries["delete_finished_report"], report.id)
        assert await conn.fetchval(counts, report.id) == 0
        assert await conn.fetchval(counts, other.id) == kept > 0


async def test_a_report_deleted_while_a_shard_stores_its_rows_leaves_none(db_settings, loaded):
    """A shard share-locks its report's row before computing, as a foreign key check would: a DELETE of the report
    (as psql allows, whatever its state) waits for the shard's rows to commit, and its trigger then deletes them."""
    pool, _ = loaded
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn)
        report = await create_report(conn, as_of, days=(as_of.date() - timedelta(days=2), as_of.date()))
    # The shard waits at the end of its statement: its rows (with their days) inserted, the report's row share-locked.
    hold = await hold_statements(db_settings, "report_row", timing="after")
    run = asyncio.create_task(run_report(pool, report, shards=1))
    async with pool.acquire() as watcher, pool.acquire() as deleter:
        try:
            # (pg_stat_activity shows a query's first KB: compute_report_shard's opening comment.)
            await wait_until(lambda: lock_waits(watcher, "-- One shard's rows%"), message="the shard held")
            delete = asyncio.create_task(deleter.execute("delete from report where id = $1", report.id))
            await wait_until(lambda: lock_waits(watcher, "delete from report%"), message="the delete waiting")
        finally:
            await hold.release()
        await run
        assert await delete == "DELETE 1"
        left = await watcher.fetchval("select (select count(*) from report_row where report_id = $1) "
                                      "+ (select count(*) from report_day where report_id = $1)", report.id)
    assert left == 0
