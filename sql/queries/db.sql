-- Queries about the server itself (app/db): set-up checks and `python -m app db status`.

-- name: database_exists
select exists (select 1 from pg_database where datname = $1)

-- name: timescaledb_available
select exists (select 1 from pg_available_extensions where name = 'timescaledb')

-- name: preloaded_libraries
select current_setting('shared_preload_libraries')

-- name: server_versions
-- What `db status` prints first: the server's and the extension's versions.
select current_setting('server_version') as version,
       (select extversion from pg_extension where extname = 'timescaledb') as timescaledb
