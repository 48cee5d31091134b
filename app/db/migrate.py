"""Applies `sql/migrations/NNN_*.sql` in order, each once, recorded in `schema_migration`."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.config import PROJECT_ROOT
from app.db.connect import check_timescaledb
from app.errors import MigrationError

MIGRATION_DIR = PROJECT_ROOT / "sql" / "migrations"
_LOCK_KEY = 0x5709E_0001  # advisory lock: one migrator at a time


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def list_migrations(directory: Path = MIGRATION_DIR) -> list[Migration]:
    migrations = [Migration(p.stem, p) for p in sorted(directory.glob("*.sql"))]
    prefixes = [m.version.split("_", 1)[0] for m in migrations]
    if len(set(prefixes)) != len(prefixes):
        raise MigrationError(f"two migrations share a number in {directory}: {prefixes}")
    return migrations


async def migrate(conn: asyncpg.Connection, directory: Path = MIGRATION_DIR) -> list[str]:
    """Apply pending migrations; return the versions applied (empty when up to date)."""
    await check_timescaledb(conn)
    await conn.execute("select pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(
            """create table if not exists schema_migration (
                   version text primary key,
                   checksum text not null,
                   applied_at timestamptz not null default now())"""
        )
        done = {r["version"]: r["checksum"] for r in await conn.fetch("select version, checksum from schema_migration")}
        applied = []
        for migration in list_migrations(directory):
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version} was changed after it was applied; "
                        "add a new migration instead of editing an applied one"
                    )
                continue
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute(
                        "insert into schema_migration (version, checksum) values ($1, $2)",
                        migration.version, migration.checksum,
                    )
            except asyncpg.PostgresError as exc:
                raise MigrationError(f"migration {migration.version} failed: {exc}") from exc
            applied.append(migration.version)
        return applied
    finally:
        await conn.execute("select pg_advisory_unlock($1)", _LOCK_KEY)
