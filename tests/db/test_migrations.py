"""The foundation: the server really runs TimescaleDB; migrations never change once they landed, are numbered
without gaps and apply in the same order everywhere; function files are applied when their text changes; a
database migrated at the commit before functions moved to sql/functions (7725cbf, migrations 001-006) upgrades to
the head with its data and gives the same report; named queries parse and plan."""

import asyncio
import hashlib
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from app.config import PROJECT_ROOT
from app.db.connect import connect, create_pool
from app.db.migrate import FUNCTION_DIR, MIGRATION_DIR, list_functions, list_migrations, migrate, schema_state
from app.db.queries import load_queries, parse_queries, queries, without_comments
from app.errors import MigrationError
from tests.support.cases import CASES
from tests.support.reports import load_rows, report_csv

SUMS = MIGRATION_DIR / "SHA256SUMS"
LAST_MIGRATION_BEFORE_FUNCTION_FILES = 6  # commit 7725cbf


async def test_store_status_is_a_hypertable(conn):
    names = await conn.fetch("select hypertable_name from timescaledb_information.hypertables order by 1")
    assert [r["hypertable_name"] for r in names] == ["status_change", "store_status"]


def test_every_migration_is_pinned_and_none_changed():
    """A migration that landed never changes: its checksum is pinned in SHA256SUMS when it is added, and a
    database that applied it refuses an edited text (test_edited_migration_is_refused)."""
    pinned = dict(reversed(line.split()) for line in SUMS.read_text().splitlines() if line.strip())
    on_disk = {m.path.name: hashlib.sha256(m.path.read_bytes()).hexdigest() for m in list_migrations()}
    assert set(on_disk) == set(pinned), "add a new migration's `sha256sum` line to sql/migrations/SHA256SUMS"
    assert {name: on_disk[name] for name in pinned if on_disk[name] != pinned[name]} == {}


def test_numbers_run_without_gaps(tmp_path):
    for m in list_migrations():
        shutil.copy(m.path, tmp_path)
    newest = max(m.number for m in list_migrations())
    (tmp_path / f"{newest + 2:03d}_skips_one.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match="without gaps"):
        list_migrations(tmp_path)
    (tmp_path / f"{newest + 2:03d}_skips_one.sql").unlink()
    (tmp_path / "004_retired.sql").write_text("select 1;")
    with pytest.raises(MigrationError, match="without gaps"):
        list_migrations(tmp_path)


async def test_migrate_twice_changes_nothing(conn):
    before = await conn.fetch("select version, checksum, applied_at from schema_migration order by version")
    assert [r["version"] for r in before] == [m.name for m in list_migrations()]
    functions = await conn.fetch("select path, checksum, applied_at from schema_function order by path")
    assert [r["path"] for r in functions] == [f.name for f in list_functions()]
    assert await migrate(conn) == []
    assert await conn.fetch("select version, checksum, applied_at from schema_migration order by version") == before
    assert await conn.fetch("select path, checksum, applied_at from schema_function order by path") == functions
    assert (await schema_state(conn)).current


def _copy_migrations(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for m in list_migrations():
        shutil.copy(m.path, folder)
    return folder


async def test_edited_migration_is_refused(conn, tmp_path):
    folder = _copy_migrations(tmp_path)
    first = sorted(folder.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(conn, folder)


async def test_new_migration_applies_once_and_an_older_number_is_refused(conn, tmp_path):
    folder = _copy_migrations(tmp_path)
    newest = max(m.number for m in list_migrations())
    (folder / f"{newest + 1:03d}_extra.sql").write_text("create table extra (x int);")
    assert await migrate(conn, folder) == [f"{newest + 1:03d}_extra"]
    assert await migrate(conn, folder) == []
    assert await conn.fetchval("select count(*) from extra") == 0
    # A migration slipped in below one the database already has would run in a different order elsewhere.
    await conn.execute("delete from schema_migration where version = $1", list_migrations()[-1].name)
    with pytest.raises(MigrationError, match="numbered below"):
        await migrate(conn, folder)


async def test_function_files_are_applied_when_they_change(conn, tmp_path):
    folder = tmp_path / "functions"
    shutil.copytree(FUNCTION_DIR, folder)
    assert await migrate(conn, function_dir=folder) == []
    target = folder / "zones" / "store_zone.sql"
    target.write_text(target.read_text().replace("'America/Chicago' end", "'America/Chicago' end -- same rule"))
    assert await migrate(conn, function_dir=folder) == ["functions/zones/store_zone.sql"]
    (folder / "extra").mkdir()
    (folder / "extra" / "answer.sql").write_text(
        "create or replace function answer_v1() returns int language sql as $$ select 42 $$;")
    assert await migrate(conn, function_dir=folder) == ["functions/extra/answer.sql"]
    assert await conn.fetchval("select answer_v1()") == 42
    (folder / "extra" / "answer.sql").unlink()  # as after a migration dropped it
    assert await migrate(conn, function_dir=folder) == []
    assert "extra/answer.sql" not in {r["path"] for r in await conn.fetch("select path from schema_function")}


@pytest.fixture
def empty_database(pg_server):
    """A database with nothing in it yet (not the migrated template)."""
    settings = pg_server.settings(f"t_empty_{uuid.uuid4().hex[:10]}")
    asyncio.run(pg_server.admin(f'create database "{settings.pg_database}"'))
    yield settings
    pg_server.drop_database(settings)


async def test_a_database_migrated_at_7725cbf_upgrades_with_its_data_and_reports_the_same(empty_database):
    """Migrations 001-006 and their functions, as commit 7725cbf left a database; data loaded and reported with
    that commit's report function (report_seconds_v2, rounded as its shard statement did); then the upgrade to the
    head; the report through the new engine is the same CSV."""
    settings = empty_database
    conn = await connect(settings)
    try:
        await migrate(conn, function_dir=None, until=LAST_MIGRATION_BEFORE_FUNCTION_FILES)
        assert await conn.fetchval("select to_regproc('report_seconds_v2') is not null")
        old_rows = {}
        for case in CASES[:8]:
            await conn.execute("truncate store_status, store_hours, store_timezone")
            await load_rows(conn, case.polls, case.hours, case.timezones)
            old_rows[case.name] = [tuple(r) for r in await conn.fetch(
                "select store_id, round(uptime_last_hour / 60, 2), round(uptime_last_day / 3600, 2), "
                "round(uptime_last_week / 3600, 2), round(downtime_last_hour / 60, 2), "
                "round(downtime_last_day / 3600, 2), round(downtime_last_week / 3600, 2) "
                "from report_seconds_v2($1, null, null, $2) order by store_id", case.as_of, case.store_ids)]
        applied = await migrate(conn)
        assert applied[0] == "007_history_and_special_hours" and (await schema_state(conn)).current
        pool = await create_pool(settings, max_size=4)
        try:
            for case in CASES[:8]:
                await conn.execute("truncate store_status, store_hours, store_timezone")
                await load_rows(conn, case.polls, case.hours, case.timezones)
                text = await report_csv(pool, case.as_of, case.store_ids)
                expected = "".join(",".join([store, *map(str, figures)]) + "\n"
                                   for store, *figures in old_rows[case.name])
                assert text.split("\n", 1)[1] == expected, case.name
        finally:
            await pool.close()
    finally:
        await conn.close()


async def test_stored_days_move_to_one_row_per_store_and_read_the_same(empty_database):
    """Migration 022: the days reports stored one row per store and date (report_day, a table until then) become
    one row per store with arrays (report_store_days); the view report_day gives back the same rows."""
    conn = await connect(empty_database)
    try:
        await migrate(conn, function_dir=None, until=21)
        reports = [uuid.uuid4(), uuid.uuid4()]
        rows = [(report, store, day, business, up, business - up)
                for report in reports for store in ("s1", "s2")
                for day, (business, up) in zip(
                    [date(2024, 3, 8), date(2024, 3, 9), date(2024, 3, 10)],
                    [(Decimal("12.00"), Decimal("11.50")), (Decimal("0.00"), Decimal("0.00")),
                     (Decimal("8.25"), Decimal("8.25"))])]
        await conn.executemany("insert into report_day (report_id, store_id, date_local, business_hours, "
                               "uptime_hours, downtime_hours) values ($1, $2, $3, $4, $5, $6)", reversed(rows))
        await migrate(conn, function_dir=None, until=22)
        assert await conn.fetchval("select count(*) from report_store_days") == 4
        stored = await conn.fetchrow("select first_date, business_hours, uptime_hours, downtime_hours "
                                     "from report_store_days where report_id = $1 and store_id = 's2'", reports[1])
        assert tuple(stored) == (date(2024, 3, 8), [Decimal("12.00"), Decimal("0.00"), Decimal("8.25")],
                                 [Decimal("11.50"), Decimal("0.00"), Decimal("8.25")],
                                 [Decimal("0.50"), Decimal("0.00"), Decimal("0.00")])
        read = await conn.fetch("select report_id, store_id, date_local, business_hours, uptime_hours, "
                                "downtime_hours from report_day order by report_id, store_id, date_local")
        assert [tuple(r) for r in read] == sorted(rows)
    finally:
        await conn.close()


async def test_stored_days_and_outages_move_onto_the_stores_rows_and_read_the_same(empty_database):
    """Migration 023: a report's days (report_store_days) and outages (report_outage, a table until then) move onto
    its stores' rows (report_row) as arrays, the days in microseconds; the views report_day and report_outage give
    back the same rows, hours as they were stored. A store without outages keeps null ones."""
    conn = await connect(empty_database)
    try:
        await migrate(conn, function_dir=None, until=22)
        report = uuid.uuid4()
        for store in ("s1", "s2", "s3"):
            await conn.execute("insert into report_row values ($1, $2, 1, 2, 3, 4, 5, 6)", report, store)
        hours = [[Decimal(h) for h in row] for row in (("12.00", "0.00", "8.25"), ("11.51", "0.00", "8.25"),
                                                         ("0.50", "0.00", "0.01"))]
        days = [(report, store, date(2024, 3, 8), *hours) for store in ("s1", "s2")]
        await conn.executemany("insert into report_store_days values ($1, $2, $3, $4, $5, $6)", days)
        at = datetime(2024, 3, 9, 10, tzinfo=UTC)
        outages = [(report, "s1", at + timedelta(hours=h), at + timedelta(hours=h, minutes=m))
                   for h, m in ((5, 30), (1, 90), (9, 1))] + [(report, "s3", at, at + timedelta(seconds=1.5))]
        await conn.executemany("insert into report_outage values ($1, $2, $3, $4)", outages)
        await migrate(conn)
        stored = await conn.fetchrow("select first_date, business_micros, uptime_micros, downtime_micros, "
                                     "outage_starts, outage_ends from report_row where store_id = 's1'")
        assert stored["first_date"] == date(2024, 3, 8)
        assert stored["uptime_micros"] == [41_436_000_000, 0, 29_700_000_000]
        assert stored["outage_starts"] == sorted(o[2] for o in outages[:3])
        assert await conn.fetchval("select outage_starts is null and business_micros is not null from report_row "
                                   "where store_id = 's2'")
        read = await conn.fetch("select report_id, store_id, date_local, business_hours, uptime_hours, "
                                "downtime_hours from report_day order by store_id, date_local")
        assert [tuple(r) for r in read] == [(report, store, first + timedelta(days=n), b[n], u[n], d[n])
                                            for _, store, first, b, u, d in days for n in range(3)]
        read = await conn.fetch("select report_id, store_id, start_utc, end_utc from report_outage "
                                "order by store_id, start_utc")
        assert [tuple(r) for r in read] == sorted(outages)
    finally:
        await conn.close()


def test_parse_queries():
    text = "-- helpers\n-- name: one\n-- the first\nselect 1;\n\n-- name: two\nselect $1::int\n"
    assert parse_queries(text) == {"one": "-- the first\nselect 1;", "two": "select $1::int"}


@pytest.mark.parametrize(
    "text, message",
    [
        ("select 1;\n-- name: a\nselect 2", "before the first"),
        ("-- name: a\n-- only a comment\n", "empty"),
        ("-- name: a\nselect 1\n-- name: a\nselect 2", "twice"),
    ],
)
def test_parse_queries_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_queries(text)


async def test_every_named_query_is_valid_sql(conn):
    """Each query is prepared by the server (parsed, its names resolved, its parameters typed); statements that
    cannot be prepared (SET, VACUUM, several statements) are at least parsed, inside a transaction rolled back."""
    unprepared = []
    queries = load_queries()
    # The loader's temporary tables, and the one rows computed on a replica are COPYed into.
    for name in [n for n in queries if n.startswith("create_land_")] + ["create_replica_shard_rows"]:
        await conn.execute(queries[name])
    # The live intake's (dropped at commit there).
    await conn.execute("create temp table intake_poll (store_id text, status poll_status, timestamp_utc timestamptz)")
    for name, sql in queries.items():
        try:
            await conn.prepare(sql)
        except Exception as exc:  # noqa: BLE001 -- sorted out below
            if "cannot insert multiple commands" in str(exc) or "VACUUM" in sql.upper() or sql.lower().startswith(
                    ("set ", "begin", "rollback")):
                unprepared.append(name)
                continue
            raise AssertionError(f"query {name!r} does not prepare: {exc}") from exc
    assert set(unprepared) <= {"vacuum_summary", "shard_settings", "move_part_settings", "begin_part",
                               "rollback_part", "part_lock_timeout", "function_bodies_unchecked",
                               "create_migration_tables", "create_intake_table", "reset_lock_timeout"}


def test_project_root_layout():
    assert (PROJECT_ROOT / "sql" / "functions").is_dir() and list_functions()


def test_queries_for_copy_have_no_comments_for_arguments_to_land_in():
    assert without_comments("select '--kept' as a -- $2 gone\nfrom t -- $1") == "select '--kept' as a \nfrom t "
    assert "--" not in queries.for_copy("report_outages_csv").replace("'--", "")
