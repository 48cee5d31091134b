-- Queries of the migrator (app/db/migrate.py). It owns two bookkeeping tables, created here rather than by a
-- migration because they record the migrations themselves.

-- name: migrator_lock
-- One migrator at a time (session advisory lock).
select pg_advisory_lock(23364239361)  -- 0x5709E_0001, the key every version of the migrator used

-- name: migrator_unlock
select pg_advisory_unlock(23364239361)

-- name: create_migration_tables
create table if not exists schema_migration (
    version    text primary key,
    checksum   text not null,
    applied_at timestamptz not null default now()
);
create table if not exists schema_function (
    path       text primary key,  -- sql/functions/<concern>/<name>.sql
    checksum   text not null,
    applied_at timestamptz not null default now()
)

-- name: applied_migrations
select version, checksum from schema_migration

-- name: record_migration
insert into schema_migration (version, checksum) values ($1, $2)

-- name: applied_functions
-- Null when the table does not exist yet (a database no migrator of this version has seen).
select path, checksum from schema_function

-- name: record_function
insert into schema_function (path, checksum) values ($1, $2)
on conflict (path) do update set checksum = excluded.checksum, applied_at = now()

-- name: forget_function
delete from schema_function where path = $1

-- name: function_bodies_unchecked
-- Function files reference each other and are applied in file order: their bodies are checked when first run.
set local check_function_bodies = off

-- name: migration_tables_exist
select to_regclass('schema_migration') is not null and to_regclass('schema_function') is not null

-- name: refresh_known_zones
-- After the function files: the valid zone names, as PostgreSQL's time zone database has them now.
select known_zones_refresh_v1()
