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

-- name: replication_settings
-- Whether replicas can stream from this server (`db replica start` checks before its base backup).
select current_setting('wal_level') as wal_level, current_setting('max_wal_senders')::int as max_wal_senders
