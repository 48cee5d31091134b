-- Queries of the loader (app/ingest). Each byte range of a file is COPYed by its own connection into that
-- connection's temporary landing table (land_*, text columns named after the file's columns, plus x1..x16 for
-- extra columns, numbered by an identity column), validated and converted in SQL into staging.*, and finally
-- moved from staging.* into the real tables: all or nothing per file.
-- A landing row whose fields are all U+0001 stands for a line the COPY stage already rejected (or a blank line).

-- name: create_land_polls
create temp table if not exists land_polls (
    line bigint generated always as identity, store_id text, status text, timestamp_utc text, x1 text, x2 text, x3 text, x4 text, x5 text, x6 text, x7 text, x8 text, x9 text, x10 text, x11 text, x12 text, x13 text, x14 text, x15 text, x16 text)

-- name: create_land_hours
create temp table if not exists land_hours (
    line bigint generated always as identity, store_id text, day_of_week text, start_time_local text,
    end_time_local text, x1 text, x2 text, x3 text, x4 text, x5 text, x6 text, x7 text, x8 text, x9 text, x10 text, x11 text, x12 text, x13 text, x14 text, x15 text, x16 text)

-- name: create_land_timezones
create temp table if not exists land_timezones (
    line bigint generated always as identity, store_id text, timezone_str text, x1 text, x2 text, x3 text, x4 text, x5 text, x6 text, x7 text, x8 text, x9 text, x10 text, x11 text, x12 text, x13 text, x14 text, x15 text, x16 text)

-- name: reset_land_polls
truncate land_polls restart identity

-- name: reset_land_hours
truncate land_hours restart identity

-- name: reset_land_timezones
truncate land_timezones restart identity

-- name: stage_polls
-- $1 line number of the range's first line minus one, $2 file name, $3 strict timestamp check.
-- The fast pass ($3 false) only checks the timestamp's shape and lets the cast decide; a cast error (a date
-- like 2023-02-30) aborts it, and the caller re-runs the range with $3 true, which checks every timestamp
-- with staging.is_timestamp first (several times slower, so only when the data needs it).
with checked as not materialized (
    select line, store_id, timestamp_utc,
           case status when 'active' then 'active' when 'inactive' then 'inactive'
                       else lower(btrim(status)) end as status,
           status as status_text
    from land_polls
    where store_id <> E'\x01'
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $2::text, $1::bigint + line,
           case
               when btrim(store_id) = '' then 'empty store_id'
               when status not in ('active', 'inactive')
                   then format('status must be active or inactive, got %L', status_text)
               else format('unparseable timestamp_utc %L', timestamp_utc)
           end,
           concat_ws(',', store_id, status_text, timestamp_utc)
    from checked
    where not (btrim(store_id) <> '' and status in ('active', 'inactive')
               and case when $3::boolean then staging.is_timestamp(btrim(timestamp_utc))
                        else timestamp_utc like '%____-__-__%:__:__%' end)
    returning 1
), staged as (
    insert into staging.poll (store_id, status, timestamp_utc)
    select btrim(store_id), status::poll_status, timestamp_utc::timestamptz
    from checked
    where btrim(store_id) <> '' and status in ('active', 'inactive')
      and case when $3::boolean then staging.is_timestamp(btrim(timestamp_utc))
               else timestamp_utc like '%____-__-__%:__:__%' end
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: stage_hours
-- $1 line offset, $2 file name.
with checked as not materialized (
    select line, btrim(store_id) as store_id, btrim(day_of_week) as dow, btrim(start_time_local) as start_time,
           btrim(end_time_local) as end_time
    from land_hours
    where store_id <> E'\x01'
), judged as (
    select *,
           case
               when store_id = '' then 'empty store_id'
               when dow !~ '^[0-6]$' then format('dayOfWeek must be 0 (Monday) to 6 (Sunday), got %L', dow)
               when not staging.is_time(start_time) then format('bad start_time_local %L', start_time)
               when not staging.is_time(end_time) then format('bad end_time_local %L', end_time)
           end as reason
    from checked
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $2::text, $1::bigint + line, reason, concat_ws(',', store_id, dow, start_time, end_time)
    from judged where reason is not null
    returning 1
), staged as (
    insert into staging.hours (line, store_id, day_of_week, start_time_local, end_time_local)
    select $1::bigint + line, store_id, dow::smallint, start_time::time, end_time::time
    from judged where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: stage_timezones
-- $1 line offset, $2 file name.
with judged as (
    select line, btrim(store_id) as store_id, btrim(timezone_str) as tz,
           case
               when btrim(store_id) = '' then 'empty store_id'
               when btrim(timezone_str) = '' then 'empty timezone_str'
           end as reason
    from land_timezones
    where store_id <> E'\x01'
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $2::text, $1::bigint + line, reason, concat_ws(',', store_id, tz) from judged where reason is not null
    returning 1
), staged as (
    insert into staging.timezone (line, store_id, timezone_str)
    select $1::bigint + line, store_id, tz from judged where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: clear_staging
truncate staging.poll, staging.hours, staging.timezone, staging.reject

-- name: clear_staged_rows
-- After each file: its staged rows are moved or abandoned; the rejects stay until they are written out.
truncate staging.poll, staging.hours, staging.timezone

-- name: create_poll_chunks
-- Creates the hypertable chunks the staged polls need, in a transaction of its own (with
-- delete_chunk_markers): the parallel move runs as prepared transactions, and TimescaleDB serialises chunk
-- creation with a lock held to the end of the creating transaction, which a prepared transaction would keep.
-- A marker row per missing day creates its chunk; delete_chunk_markers removes the markers again.
insert into store_status (store_id, status, timestamp_utc)
select '', 'active', day
from (select distinct date_trunc('day', timestamp_utc) as day from staging.poll) days
where not exists (select 1 from store_status s where s.timestamp_utc >= days.day
                                                 and s.timestamp_utc < days.day + interval '1 day')
returning timestamp_utc

-- name: delete_chunk_markers
delete from store_status where store_id = '' and timestamp_utc = any ($1::timestamptz[])

-- name: staged_poll_bounds
select min(timestamp_utc) as lo, max(timestamp_utc) as hi from staging.poll

-- name: new_polls_of_part
-- The staged polls of one partition ($1 of $2, by UTC day) that are new: exact duplicates (within the file or
-- of polls already stored) are kept once. $3..$4 bound the staged times, so only those chunks of store_status
-- are read. EXCEPT is a set operation, never a per-row probe, so its cost does not depend on statistics of
-- freshly created chunks; run with enable_hashagg off it is one sort whose order, by day then (store_id, time),
-- is also the best order to insert in: each chunk's index grows at its end. The loader pipes this through COPY
-- into store_status: TimescaleDB's COPY path inserts in batches, about twice as fast as INSERT ... SELECT.
select store_id, status, timestamp_utc from (
    select date_trunc('day', timestamp_utc) as day, store_id, timestamp_utc, status from staging.poll
    where (timestamp_utc::date - date '2000-01-01') % $2::int = $1::int
    except
    select date_trunc('day', timestamp_utc), store_id, timestamp_utc, status from store_status
    where timestamp_utc between $3::timestamptz and $4::timestamptz
      and (timestamp_utc::date - date '2000-01-01') % $2::int = $1::int
) new_polls
order by day, store_id, timestamp_utc, status

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

-- name: unknown_timezones
-- Staged timezone names PostgreSQL does not know: reports use America/Chicago for these stores.
select timezone_str, count(*) as stores, min(store_id) as example_store
from staging.timezone
where timezone_str not in (select name from pg_timezone_names)
group by timezone_str
order by stores desc, timezone_str

-- name: rejects_csv
select file, line, reason, raw from staging.reject order by file, line

-- name: max_prepared_transactions
select current_setting('max_prepared_transactions')::int

-- name: pending_load_parts
-- Prepared parts of loads whose coordinator died; $1 the gid prefix of the loader.
select x.gid, d.load_id is not null as decided
from pg_prepared_xacts x
left join staging.load_decision d on x.gid like $1 || d.load_id || '-%'
where x.gid like $1 || '%' and x.database = current_database()

-- name: record_load_decision
insert into staging.load_decision (load_id) values ($1)

-- name: forget_load_decisions
delete from staging.load_decision d
where not exists (select 1 from pg_prepared_xacts x where x.gid like $1 || d.load_id || '-%')
