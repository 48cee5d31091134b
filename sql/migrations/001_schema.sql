-- The data model. prisma/schema.prisma describes the same tables; tests/test_schema_drift.py keeps them equal.
create extension if not exists timescaledb;

create type poll_status as enum ('active', 'inactive');

-- Columns in the public file's order so `timescaledb-parallel-copy --copy-options "CSV,HEADER"` and
-- `COPY store_status FROM ... (FORMAT csv, HEADER)` load store_status.csv as it is. No unique key on purpose:
-- external bulk loaders must not fail on a file with duplicate polls; the loader and the report both
-- treat exact duplicates as one poll.
create table store_status (
    store_id      text        not null,
    status        poll_status not null,
    timestamp_utc timestamptz not null
);
-- One-day chunks: a report's week touches 8 chunks, and older chunks are excluded by time. No default index
-- on time alone: nothing reads polls by time without a store, and keeping a second index costs loads dearly.
select create_hypertable('store_status', by_range('timestamp_utc', interval '1 day'), create_default_indexes => false);
-- Per-store time-ordered access: the report reads each store's polls in (store_id, timestamp_utc, status) order
-- straight from this index (index-only, no sort); status is a key column so ties come out in a fixed order.
create index store_status_store_time_idx on store_status (store_id, timestamp_utc, status);

create table store_hours (
    id               bigint generated always as identity primary key,
    store_id         text     not null,
    day_of_week      smallint not null check (day_of_week between 0 and 6),
    start_time_local time     not null,
    end_time_local   time     not null
);
create index store_hours_store_idx on store_hours (store_id);

create table store_timezone (
    store_id     text primary key,
    timezone_str text not null
);

create type report_state as enum ('queued', 'running', 'complete', 'failed', 'cancelled');

create table report (
    id               uuid primary key default gen_random_uuid(),
    status           report_state not null default 'queued',
    as_of            timestamptz  not null,
    parameters       jsonb        not null default '{}'::jsonb,
    queued_at        timestamptz  not null default now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    stores_total     integer,
    stores_done      integer      not null default 0,
    row_count        integer,
    error            text,
    attempts         integer      not null default 0,
    worker_id        text,
    lease_expires_at timestamptz
);
create index report_queued_at_idx on report (queued_at desc);
create index report_claimable_idx on report (queued_at) where status in ('queued', 'running');

-- One row per store per report: the six figures in the CSV's units (minutes for the hour, hours otherwise).
create table report_row (
    report_id          uuid          not null references report (id) on delete cascade,
    store_id           text          not null,
    uptime_last_hour   numeric(8, 2) not null,
    uptime_last_day    numeric(8, 2) not null,
    uptime_last_week   numeric(8, 2) not null,
    downtime_last_hour numeric(8, 2) not null,
    downtime_last_day  numeric(8, 2) not null,
    downtime_last_week numeric(8, 2) not null,
    primary key (report_id, store_id)
);

-- A report runs as shards (ranges of store ids); a shard's rows and its row here commit together, so a
-- re-run after a crash skips finished shards and never duplicates a store.
create table report_shard (
    report_id   uuid        not null references report (id) on delete cascade,
    shard       integer     not null,
    store_from  text,
    store_to    text,
    stores      integer,
    finished_at timestamptz,
    primary key (report_id, shard)
);
