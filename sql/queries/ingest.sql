-- Queries of the loader (app/ingest). The polls file is COPYed by several connections, one byte range each,
-- straight into staging.poll's typed columns (app/ingest/poll_check.py keeps out the lines PostgreSQL would
-- refuse), then moved into store_status: all or nothing per file. The small files (hours, timezones, special hours)
-- are COPYed as text into the connection's temporary landing table (land_*: the line number, then text columns named
-- after the file's columns, plus x1..x16 for extra columns; app/ingest/landing_check.py numbers the lines and leaves
-- out those it rejects), then validated and converted in SQL into staging.*, blanks (spaces and tabs) around each field
-- dropped. Each stage_* query takes the file's name ($1) and the store id limit in bytes ($2); stage_special_hours
-- also the first and last accepted years ($3, $4).

-- name: try_load_lock
-- One load at a time (a session advisory lock, $1 the loader's key): the staging tables are shared.
select pg_try_advisory_lock($1)

-- name: create_land_hours
create temp table if not exists land_hours (
    line bigint, store_id text, day_of_week text, start_time_local text, end_time_local text, x1 text, x2 text,
    x3 text, x4 text, x5 text, x6 text, x7 text, x8 text, x9 text, x10 text, x11 text, x12 text, x13 text, x14 text,
    x15 text, x16 text)

-- name: create_land_timezones
create temp table if not exists land_timezones (
    line bigint, store_id text, timezone_str text, x1 text, x2 text, x3 text, x4 text, x5 text, x6 text, x7 text,
    x8 text, x9 text, x10 text, x11 text, x12 text, x13 text, x14 text, x15 text, x16 text)

-- name: create_land_special_hours
create temp table if not exists land_special_hours (
    line bigint, store_id text, date_local text, start_time_local text, end_time_local text, x1 text, x2 text,
    x3 text, x4 text, x5 text, x6 text, x7 text, x8 text, x9 text, x10 text, x11 text, x12 text, x13 text, x14 text,
    x15 text, x16 text)

-- name: reset_land_hours
truncate land_hours

-- name: reset_land_timezones
truncate land_timezones

-- name: reset_land_special_hours
truncate land_special_hours

-- name: stage_hours
with checked as not materialized (
    select line, btrim(store_id, E' \t') as store_id, btrim(day_of_week, E' \t') as dow,
           btrim(start_time_local, E' \t') as start_time, btrim(end_time_local, E' \t') as end_time
    from land_hours
), judged as (
    select *,
           case
               when store_id = '' then 'empty store_id'
               when octet_length(store_id) > $2::int then format('store_id longer than %s bytes', $2::int)
               when dow !~ '^[0-6]$' then format('dayOfWeek must be 0 (Monday) to 6 (Sunday), got %L', dow)
               when not staging.is_time(start_time) then format('bad start_time_local %L', start_time)
               when not staging.is_time(end_time) then format('bad end_time_local %L', end_time)
           end as reason
    from checked
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $1::text, line, reason, concat_ws(',', store_id, dow, start_time, end_time)
    from judged where reason is not null
    returning 1
), staged as (
    insert into staging.hours (line, store_id, day_of_week, start_time_local, end_time_local)
    select line, store_id, dow::smallint, start_time::time, end_time::time
    from judged where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: stage_timezones
with checked as not materialized (
    select line, btrim(store_id, E' \t') as store_id, btrim(timezone_str, E' \t') as tz from land_timezones
), judged as (
    select *,
           case
               when store_id = '' then 'empty store_id'
               when octet_length(store_id) > $2::int then format('store_id longer than %s bytes', $2::int)
               when tz = '' then 'empty timezone_str'
           end as reason
    from checked
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $1::text, line, reason, concat_ws(',', store_id, tz) from judged where reason is not null
    returning 1
), staged as (
    insert into staging.timezone (line, store_id, timezone_str)
    select line, store_id, tz from judged where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: stage_special_hours
-- A date is YYYY-MM-DD in the accepted years; both times empty is a closed date.
with checked as not materialized (
    select line, btrim(store_id, E' \t') as store_id, btrim(date_local, E' \t') as day,
           btrim(start_time_local, E' \t') as start_time, btrim(end_time_local, E' \t') as end_time
    from land_special_hours
), judged as (
    select *,
           case
               when store_id = '' then 'empty store_id'
               when octet_length(store_id) > $2::int then format('store_id longer than %s bytes', $2::int)
               when not staging.is_date(day) then format('bad date_local %L (YYYY-MM-DD)', day)
               when left(day, 4)::int not between $3::int and $4::int
                   then format('date_local %L outside the accepted years %s to %s', day, $3::int, $4::int)
               when (start_time = '') <> (end_time = '')
                   then 'give both start_time_local and end_time_local, or neither for a closed date'
               when start_time <> '' and not staging.is_time(start_time)
                   then format('bad start_time_local %L', start_time)
               when end_time <> '' and not staging.is_time(end_time) then format('bad end_time_local %L', end_time)
           end as reason
    from checked
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $1::text, line, reason, concat_ws(',', store_id, day, start_time, end_time)
    from judged where reason is not null
    returning 1
), staged as (
    insert into staging.special_hours (line, store_id, date_local, start_time_local, end_time_local)
    select line, store_id, day::date, nullif(start_time, '')::time, nullif(end_time, '')::time
    from judged where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: clear_staging
truncate staging.poll, staging.hours, staging.timezone, staging.special_hours, staging.reject

-- name: clear_staged_status
-- After each file: its staged rows are moved or abandoned; the rejects stay until they are written out. The polls
-- file and the small files load at the same time, so each clears only its own table.
truncate staging.poll

-- name: clear_staged_hours
truncate staging.hours

-- name: clear_staged_timezones
truncate staging.timezone

-- name: clear_staged_special_hours
truncate staging.special_hours

-- name: staged_poll_days
-- The UTC days of the staged polls with their row counts: the move's parts are contiguous runs of these days.
-- The line checks count them on the way in; this is the fallback should their count not match COPY's.
-- date_bin is plain arithmetic, several times cheaper per row than date_trunc with a time zone.
select date_bin('1 day', timestamp_utc, timestamptz '2000-01-01 00:00:00+00') as day, count(*) as polls
from staging.poll
group by 1
order by 1

-- name: create_poll_chunks
-- Creates the missing hypertable chunks of the given UTC days ($1). The parallel move below runs as prepared
-- transactions, and TimescaleDB serialises chunk creation with a lock on the hypertable held to the end of the
-- creating transaction: a prepared part holding it would block its siblings. So the chunks are made beforehand,
-- by inserting a marker row per missing day; remove_chunk_markers deletes them in the same transaction,
-- so no one ever sees them. (A statement does not see rows its own CTEs insert: the delete must be a second one.)
insert into store_status (store_id, status, timestamp_utc)
select E'\x01storepulse chunk marker', 'active', day from unnest($1::timestamptz[]) as day
where not exists (select 1 from timescaledb_information.chunks c
                  where c.hypertable_schema = 'public' and c.hypertable_name = 'store_status'
                    and c.range_start <= day and c.range_end > day)

-- name: remove_chunk_markers
delete from store_status
where store_id = E'\x01storepulse chunk marker' and timestamp_utc = any($1::timestamptz[])

-- name: new_polls_in_range
-- The staged polls of one part of the move that are new: exact duplicates (within the file, or of polls already
-- stored) are kept once. The part's staged polls are those in [$1, $2), where a null bound is open (the first
-- and last parts); its days are [$3, $4), and only store_status's chunks of those days are read. Run with
-- enable_hashagg off, the GROUP BY is a sort whose order, (store_id, timestamp_utc), is also the best order to
-- insert in: within each chunk the index (store_id, timestamp_utc) grows at its end (measured: less than half the
-- insert time of unsorted rows). Sorting store_id first lets PostgreSQL compare abbreviated keys, about twice as
-- fast as the former (day, store_id, ...) order of an EXCEPT. The loader pipes this through COPY into
-- store_status: TimescaleDB's COPY path inserts in batches, cheaper than INSERT ... SELECT.
select store_id, status, timestamp_utc
from staging.poll p
where ($1::timestamptz is null or p.timestamp_utc >= $1::timestamptz)
  and ($2::timestamptz is null or p.timestamp_utc < $2::timestamptz)
  and not exists (select from store_status s
                  where s.store_id = p.store_id and s.timestamp_utc = p.timestamp_utc and s.status = p.status
                    and s.timestamp_utc >= $3::timestamptz and s.timestamp_utc < $4::timestamptz)
group by store_id, timestamp_utc, status
order by store_id, timestamp_utc, status

-- name: move_part_settings
-- For the query above, in each part's transaction: the GROUP BY as a sort (its order is the insert order), and no
-- parallel workers, as the parts already keep every core busy.
set local enable_hashagg = off;
set local max_parallel_workers_per_gather = 0

-- name: analyze_poll_chunks
-- Statistics for the chunks of [$1, $2) only (after an hourly load that is one chunk, not the whole hypertable),
-- run in the move's part that wrote them. The ShareUpdateExclusive lock it takes is held until the part commits:
-- it blocks no reader or writer, only VACUUM, ANALYZE and DDL on those chunks.
select staging.analyze_poll_chunks($1::timestamptz, $2::timestamptz)

-- name: move_hours
-- Every store present in the staged hours file gets exactly its new rows; stores whose rows did not change are
-- left alone (their rows count as duplicates).
with new_sig as (
    select store_id, array_agg(array[day_of_week::text, start_time_local::text, end_time_local::text]
                               order by day_of_week, start_time_local, end_time_local) as sig
    from staging.hours group by store_id
), old_sig as (
    select h.store_id, array_agg(array[h.day_of_week::text, h.start_time_local::text, h.end_time_local::text]
                                 order by h.day_of_week, h.start_time_local, h.end_time_local) as sig
    from store_hours h join new_sig n using (store_id)
    group by h.store_id
), changed as (
    select n.store_id from new_sig n left join old_sig o using (store_id) where o.sig is distinct from n.sig
), deleted as (
    delete from store_hours h using changed c where h.store_id = c.store_id
    returning 1
), inserted as (
    insert into store_hours (store_id, day_of_week, start_time_local, end_time_local)
    select s.store_id, s.day_of_week, s.start_time_local, s.end_time_local
    from staging.hours s join changed c using (store_id)
    order by s.line
    returning 1
)
select (select count(*) from inserted) as inserted, (select count(*) from deleted) as deleted

-- name: move_timezones
-- Upserts one timezone per store; when a file names a store twice, its last line wins.
with latest as (
    select distinct on (store_id) store_id, timezone_str from staging.timezone order by store_id, line desc
), upserted as (
    insert into store_timezone as t (store_id, timezone_str)
    select store_id, timezone_str from latest
    on conflict (store_id) do update set timezone_str = excluded.timezone_str
        where t.timezone_str is distinct from excluded.timezone_str
    returning 1
)
select count(*) from upserted

-- name: move_special_hours
-- Rule 10's rows replace, per store and local date in the file, the rows stored for that date; a date whose rows
-- did not change is left alone (its rows count as duplicates). Exact duplicate rows are kept once.
with new_rows as (
    select distinct store_id, date_local, array[start_time_local::text, end_time_local::text] as times
    from staging.special_hours
), new_sig as (
    select store_id, date_local, array_agg(times order by times) as sig from new_rows group by store_id, date_local
), old_sig as (
    select s.store_id, s.date_local,
           array_agg(array[s.start_time_local::text, s.end_time_local::text]
                     order by array[s.start_time_local::text, s.end_time_local::text]) as sig
    from special_hours s join new_sig n using (store_id, date_local)
    group by s.store_id, s.date_local
), changed as (
    select n.store_id, n.date_local
    from new_sig n left join old_sig o using (store_id, date_local)
    where o.sig is distinct from n.sig
), deleted as (
    delete from special_hours s using changed c
    where s.store_id = c.store_id and s.date_local = c.date_local
    returning 1
), inserted as (
    insert into special_hours (store_id, date_local, start_time_local, end_time_local)
    select r.store_id, r.date_local, r.times[1]::time, r.times[2]::time
    from new_rows r join changed c using (store_id, date_local)
    order by r.store_id, r.date_local, r.times
    returning 1
)
select (select count(*) from inserted) as inserted, (select count(*) from deleted) as deleted

-- name: unknown_timezones
-- Staged timezone names PostgreSQL does not know (store_zone_v1 replaces them): reports use its fallback for
-- these stores.
select t.timezone_str, count(*) as stores, min(t.store_id) as example_store
from staging.timezone t
cross join lateral store_zone_v1(t.timezone_str) z
where z.zone <> t.timezone_str
group by t.timezone_str
order by stores desc, timezone_str

-- name: rejects_csv
select file, line, reason, raw from staging.reject order by file, line

-- name: create_intake_table
-- The live intake's batch (app/ingest/intake.py), for this transaction only; COPY reads its timestamps as UTC
-- when they carry no offset, as the loader's do. Custom plans: store_intake_polls's time range is a constant.
create temp table if not exists intake_poll (
    store_id      text        not null,
    status        poll_status not null,
    timestamp_utc timestamptz not null
) on commit drop;
set local timezone = 'UTC';
set local plan_cache_mode = force_custom_plan

-- name: intake_poll_bounds
-- The batch's time range, told to the store_status trigger (which polls this transaction writes) and returned, so
-- that store_intake_polls gets it as constants.
select set_config('storepulse.poll_range',
                  tstzrange(min(timestamp_utc), max(timestamp_utc) + interval '1 microsecond')::text, true) as noted,
       min(timestamp_utc) as lo, max(timestamp_utc) as hi
from intake_poll

-- name: store_intake_polls
-- The batch's polls that are new (exact duplicates, in the batch or of stored polls, are kept once), inserted in
-- (store_id, timestamp_utc) order. $1, $2: the batch's time range (intake_poll_bounds), as constants when planned
-- (create_intake_table forces custom plans), so that only the chunks it falls in are searched for duplicates.
-- Returns what was added.
insert into store_status (store_id, status, timestamp_utc)
select distinct i.store_id, i.status, i.timestamp_utc
from intake_poll i
where not exists (select from store_status s
                  where s.store_id = i.store_id and s.timestamp_utc = i.timestamp_utc and s.status = i.status
                    and s.timestamp_utc >= $1::timestamptz and s.timestamp_utc <= $2::timestamptz)
order by i.store_id, i.timestamp_utc
returning store_id, timestamp_utc
