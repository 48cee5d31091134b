-- The loader's staging area. Not part of the data model (prisma/schema.prisma describes `public` only):
-- UNLOGGED tables that hold one load's validated rows between the parallel COPY stage and the move into the real
-- tables. One load runs at a time (an advisory lock), and every load empties them first, so rows left by a killed
-- load never leak into the next. Autovacuum is off for them: they are truncated by every load, and a vacuum or
-- analyze of millions of just-copied rows would only compete with the load for the CPU.
create schema staging;

-- The polls file is COPYed into this table directly, by several connections at once, with the values converted
-- by COPY itself (app/ingest/poll_check.py lets through only lines COPY accepts).
create unlogged table staging.poll (
    store_id      text        not null,
    status        poll_status not null,
    timestamp_utc timestamptz not null
) with (autovacuum_enabled = false);

create unlogged table staging.hours (
    line             bigint   not null,
    store_id         text     not null,
    day_of_week      smallint not null,
    start_time_local time     not null,
    end_time_local   time     not null
) with (autovacuum_enabled = false);

create unlogged table staging.timezone (
    line         bigint not null,
    store_id     text   not null,
    timezone_str text   not null
) with (autovacuum_enabled = false);

create unlogged table staging.reject (
    file   text   not null,
    line   bigint not null,
    reason text   not null,
    raw    text
) with (autovacuum_enabled = false);

-- True for a local wall-clock time `H:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff` between 00:00 and 23:59:59.999999.
create function staging.is_time(t text) returns boolean
language sql immutable strict parallel safe as $$
    select t ~ '^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$'
$$;

-- ANALYZE of the store_status chunks that overlap [lo, hi): after a load, statistics for the chunks it wrote
-- rather than for the whole hypertable.
create function staging.analyze_poll_chunks(lo timestamptz, hi timestamptz) returns void
language plpgsql as $$
declare
    chunk regclass;
begin
    for chunk in
        select format('%I.%I', c.chunk_schema, c.chunk_name)::regclass
        from timescaledb_information.chunks c
        where c.hypertable_schema = 'public' and c.hypertable_name = 'store_status'
          and c.range_start < hi and c.range_end > lo
    loop
        execute format('analyze %s', chunk);
    end loop;
end
$$;

-- The durable half of the loader's two-phase commit: a load id is written here (and committed) after every
-- part of the load is prepared and before any is committed. A load interrupted after that point is committed
-- by the next load; one interrupted before it is rolled back.
create table staging.load_decision (
    load_id    text primary key,
    decided_at timestamptz not null default now()
);
