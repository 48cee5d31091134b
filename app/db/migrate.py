"""Brings a database's schema up to date from two kinds of SQL files.

* `sql/migrations/NNN_name.sql` are versioned: each is applied once, in number order, and never edited after it
  landed (`sql/migrations/SHA256SUMS` pins every text; the database refuses one whose checksum changed). Numbers run
  without gaps (004 was retired before it reached any database); a pending migration numbered below one the
  database already has is refused, so every database applies them in the same order.
* `sql/functions/<concern>/<name>.sql` hold the current body of each live function (CREATE OR REPLACE), applied
  after the migrations whenever a file's text differs from what the database last applied (what Flyway calls
  repeatable migrations). A change of behaviour that callers depend on is a new `_vN` function; a migration drops
  the function it replaces.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.config import PROJECT_ROOT
from app.db.connect import check_timescaledb
from app.db.queries import queries
from app.errors import MigrationError

MIGRATION_DIR = PROJECT_ROOT / "sql" / "migrations"
FUNCTION_DIR = PROJECT_ROOT / "sql" / "functions"
RETIRED_NUMBERS = {4}  # numbers that never reached a database and must stay unused
# Numbers held for a migration that lands from another branch: 008 (live intake) is written in parallel with 009
# (keys and tenants). Drop this when the branches are merged and renumbered.
RESERVED_NUMBERS = {8}


@dataclass(frozen=True)
class SqlFile:
    name: str  # a migration's version (`003_report`) or a function file's path under sql/functions
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @property
    def number(self) -> int:
        return int(self.name.split("_", 1)[0])


@dataclass(frozen=True)
class SchemaState:
    pending_migrations: list[str]
    changed_functions: list[str]

    @property
    def current(self) -> bool:
        return not self.pending_migrations and not self.changed_functions


def list_migrations(directory: Path = MIGRATION_DIR) -> list[SqlFile]:
    migrations = [SqlFile(p.stem, p) for p in sorted(directory.glob("*.sql"))]
    for m in migrations:
        if not m.name[:3].isdigit() or m.name[3:4] != "_":
            raise MigrationError(f"{m.path.name}: a migration's name is NNN_what_it_does.sql")
    numbers = [m.number for m in migrations]
    skipped = RETIRED_NUMBERS | (RESERVED_NUMBERS - set(numbers))
    expected = [n for n in range(1, max(numbers, default=0) + 1) if n not in skipped]
    if numbers != expected:
        raise MigrationError(f"migration numbers in {directory} must run without gaps or repeats: "
                             f"found {numbers}, expected {expected}")
    return migrations


def list_functions(directory: Path = FUNCTION_DIR) -> list[SqlFile]:
    return [SqlFile(str(p.relative_to(directory)), p) for p in sorted(directory.rglob("*.sql"))]


async def schema_state(conn: asyncpg.Connection, migration_dir: Path = MIGRATION_DIR,
                       function_dir: Path = FUNCTION_DIR) -> SchemaState:
    """What `migrate` would apply (without applying it)."""
    if not await conn.fetchval(queries["migration_tables_exist"]):
        return SchemaState([m.name for m in list_migrations(migration_dir)],
                           [f.name for f in list_functions(function_dir)])
    applied = {r["version"] for r in await conn.fetch(queries["applied_migrations"])}
    functions = {r["path"]: r["checksum"] for r in await conn.fetch(queries["applied_functions"])}
    return SchemaState([m.name for m in list_migrations(migration_dir) if m.name not in applied],
                       [f.name for f in list_functions(function_dir) if functions.get(f.name) != f.checksum])


async def migrate(conn: asyncpg.Connection, migration_dir: Path = MIGRATION_DIR,
                  function_dir: Path | None = FUNCTION_DIR, until: int | None = None) -> list[str]:
    """Apply pending migrations (up to number `until`, if given), then changed function files (none when
    `function_dir` is None); returns what was applied, empty when the schema was current."""
    await check_timescaledb(conn)
    await conn.execute(queries["migrator_lock"])
    try:
        await conn.execute(queries["create_migration_tables"])
        applied = await _apply_migrations(conn, list_migrations(migration_dir), until)
        if function_dir is not None:
            applied += await _apply_functions(conn, list_functions(function_dir))
            await conn.execute(queries["refresh_known_zones"])
        return applied
    finally:
        await conn.execute(queries["migrator_unlock"])


async def _apply_migrations(conn: asyncpg.Connection, migrations: list[SqlFile], until: int | None) -> list[str]:
    done = {r["version"]: r["checksum"] for r in await conn.fetch(queries["applied_migrations"])}
    newest = max((int(v.split("_", 1)[0]) for v in done), default=0)
    applied = []
    for migration in migrations:
        if migration.name in done:
            if done[migration.name] != migration.checksum:
                raise MigrationError(f"migration {migration.name} was changed after it was applied; "
                                     "add a new migration instead of editing an applied one")
            continue
        if until is not None and migration.number > until:
            break
        if migration.number < newest:
            raise MigrationError(f"migration {migration.name} is numbered below {newest:03d}, which this database "
                                 "already has: renumber it after the newest migration")
        try:
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(queries["record_migration"], migration.name, migration.checksum)
        except asyncpg.PostgresError as exc:
            raise MigrationError(f"migration {migration.name} failed: {exc}") from exc
        applied.append(migration.name)
    return applied


async def _apply_functions(conn: asyncpg.Connection, files: list[SqlFile]) -> list[str]:
    known = {r["path"]: r["checksum"] for r in await conn.fetch(queries["applied_functions"])}
    changed = [f for f in files if known.get(f.name) != f.checksum]
    gone = known.keys() - {f.name for f in files}
    if not changed and not gone:
        return []
    async with conn.transaction():
        await conn.execute(queries["function_bodies_unchecked"])
        for function in changed:
            try:
                await conn.execute(function.sql)
            except asyncpg.PostgresError as exc:
                raise MigrationError(f"sql/functions/{function.name} failed: {exc}") from exc
            await conn.execute(queries["record_function"], function.name, function.checksum)
        for path in gone:  # its function was dropped by a migration, or the file renamed
            await conn.execute(queries["forget_function"], path)
    return [f"functions/{f.name}" for f in changed]
