-- Tables for running storepulse for months: special hours (rule 10), a registry of polled stores, the status change
-- summary partitioned by time like the polls, what retention keeps of dropped days, and per-day report figures
-- (rule 12). Functions live in sql/functions/ (applied after the migrations); this migration drops the ones they
-- replace.

-- Valid time zone names, copied from pg_timezone_names (which reads ~1,200 zone files, ~30 ms, on every call) by
-- known_zones_refresh_v1() whenever the migrator runs. store_zone_v1 (rule 4) reads it.
create table known_zone (
    name text primary key
);

-- Rule 10: a store's rows for a local date replace its weekly rows for the intervals that open that date. Both times
-- empty: closed that date.
create table special_hours (
    id               bigint generated always as identity primary key,
    store_id         text not null,
    date_local       date not null,
    start_time_local time,
    end_time_local   time,
    constraint special_hours_both_times_or_none check ((start_time_local is null) = (end_time_local is null))
);
create index special_hours_store_date_idx on special_hours (store_id, date_local);

-- Every store that has polls, kept with the status change summary (in the same transactions): the stores a report
-- can have (rule 3) without reading the polls of every day, and each store's latest status for the live views.
create table polled_store (
    store_id      text primary key,
    first_poll_at timestamptz not null,
    first_status  poll_status not null,  -- of its first poll instant (inactive when polled both ways then)
    last_poll_at  timestamptz not null,
    status        poll_status not null,  -- of its newest poll instant (inactive when polled both ways then)
    status_since  timestamptz not null   -- the poll that began the current run of that status
);
create index polled_store_status_idx on polled_store (status, last_poll_at desc);

-- The summary becomes a hypertable with the polls' one-day chunks, so a report reads the chunks of its window
-- only. Its rows, and the records of what was summarized, are dropped: the next refresh rebuilds both, and the
-- registry with them.
truncate status_change, status_change_chunk, status_change_pending;
drop index status_change_ts_idx;
select create_hypertable('status_change', by_range('ts', interval '1 day'), create_default_indexes => false);

-- What retention keeps of the days it drops: each store's last summary row before the kept range (its status when
-- the kept range begins), and where the kept range begins.
create table status_change_baseline (
    store_id text        primary key,
    ts       timestamptz not null,
    status   poll_status not null
);
create table poll_retention (
    only_row     boolean     primary key default true check (only_row),
    kept_from    timestamptz not null,
    performed_at timestamptz not null default now()
);

-- Rule 12: a report asked for days has one row per store and local date, in hours.
create table report_day (
    report_id      uuid          not null references report (id) on delete cascade,
    store_id       text          not null,
    date_local     date          not null,
    business_hours numeric(8, 2) not null,
    uptime_hours   numeric(8, 2) not null,
    downtime_hours numeric(8, 2) not null,
    primary key (report_id, store_id, date_local)
);

-- A writer that brings the summary up to date for its own polls once they are committed (the loader) names itself
-- in the setting storepulse.writer; its pending-write rows carry the name (sql/functions/summary/note_write.sql).
alter table status_change_pending add column writer text;

-- The summary's per-chunk poll count stays unknown (null) after an incremental update that cannot count exactly.
alter table status_change_chunk alter column polls drop not null;

drop function report_seconds_v2(timestamptz, text, text, text[], timestamptz);
drop function report_polls_v1(timestamptz, text, text, text[], timestamptz);
drop function store_business_intervals_v1(text, timestamptz, timestamptz);
drop function store_status_segments_v1(text, timestamptz, timestamptz);
