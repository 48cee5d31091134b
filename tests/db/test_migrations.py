"""The foundation: the server really runs TimescaleDB, migrations are idempotent, named queries parse."""

import pytest

from app.db.migrate import list_migrations, migrate
from app.db.queries import load_queries, parse_queries
from app.errors import MigrationError


async def test_store_status_is_a_hypertable(conn):
    names = await conn.fetch("select hypertable_name from timescaledb_information.hypertables")
    assert [r["hypertable_name"] for r in names] == ["store_status"]


async def test_migrate_twice_changes_nothing(conn):
    before = await conn.fetch("select version, checksum, applied_at from schema_migration order by version")
    assert [r["version"] for r in before] == [m.version for m in list_migrations()]
    assert await migrate(conn) == []
    after = await conn.fetch("select version, checksum, applied_at from schema_migration order by version")
    assert before == after


async def test_edited_migration_is_refused(conn, tmp_path):
    for m in list_migrations():
        (tmp_path / m.path.name).write_text(m.sql)
    first = sorted(tmp_path.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(conn, tmp_path)


async def test_new_migration_applies_once(conn, tmp_path):
    for m in list_migrations():
        (tmp_path / m.path.name).write_text(m.sql)
    (tmp_path / "999_extra.sql").write_text("create table extra (x int);")
    assert await migrate(conn, tmp_path) == ["999_extra"]
    assert await migrate(conn, tmp_path) == []
    assert await conn.fetchval("select count(*) from extra") == 0


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


def test_project_queries_load():
    assert all(sql.strip() for sql in load_queries().values())
