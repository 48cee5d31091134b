-- Queries of the loader (app/ingest). A load COPYs each byte range of a file into the session's temporary
-- table raw_lines(line, raw) (one CSV line per row, numbered from 1 within the range), validates and converts it
-- in SQL into staging.*, and finally moves staging.* into the real tables in one transaction per file.

-- name: create_raw_lines
-- The per-connection landing table of the parallel COPY: one text field per line, numbered in file order.
create temp table if not exists raw_lines (line bigint generated always as identity, raw text)

-- name: reset_raw_lines
truncate raw_lines restart identity

-- name: stage_status_lines
-- $1 line number of the range's first line minus one, $2..$4 positions of store_id, status, timestamp_utc,
-- $5 number of columns in the header, $6 file name for the rejects.
with fields as (
    select $1::bigint + line as line_no, raw,
           case when strpos(raw, '"') > 0 then staging.csv_fields(raw) else string_to_array(raw, ',') end as f
    from raw_lines
    where raw is not null
), typed as (
    select line_no, raw, cardinality(f) as n,
           btrim(f[$2::int]) as store_id, lower(btrim(f[$3::int])) as status, btrim(f[$4::int]) as ts
    from fields
), checked as (
    select *,
           case
               when n <> $5::int then format('wrong column count: expected %s, got %s', $5::int, n)
               when store_id = '' then 'empty store_id'
               when status not in ('active', 'inactive')
                   then format('status must be active or inactive, got %L', status)
               when not staging.is_timestamp(ts) then format('unparseable timestamp_utc %L', ts)
           end as reason
    from typed
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $6::text, line_no, reason, raw from checked where reason is not null
    returning 1
), staged as (
    insert into staging.poll (store_id, status, timestamp_utc)
    select store_id, status::poll_status, ts::timestamptz from checked where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: stage_hours_lines
-- $1 line offset, $2..$5 positions of store_id, dayOfWeek, start_time_local, end_time_local, $6 columns, $7 file.
with fields as (
    select $1::bigint + line as line_no, raw,
           case when strpos(raw, '"') > 0 then staging.csv_fields(raw) else string_to_array(raw, ',') end as f
    from raw_lines
    where raw is not null
), typed as (
    select line_no, raw, cardinality(f) as n, btrim(f[$2::int]) as store_id, btrim(f[$3::int]) as dow,
           btrim(f[$4::int]) as start_time, btrim(f[$5::int]) as end_time
    from fields
), checked as (
    select *,
           case
               when n <> $6::int then format('wrong column count: expected %s, got %s', $6::int, n)
               when store_id = '' then 'empty store_id'
               when dow !~ '^[0-6]$' then format('dayOfWeek must be 0 (Monday) to 6 (Sunday), got %L', dow)
               when not staging.is_time(start_time) then format('bad start_time_local %L', start_time)
               when not staging.is_time(end_time) then format('bad end_time_local %L', end_time)
           end as reason
    from typed
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $7::text, line_no, reason, raw from checked where reason is not null
    returning 1
), staged as (
    insert into staging.hours (line, store_id, day_of_week, start_time_local, end_time_local)
    select line_no, store_id, dow::smallint, start_time::time, end_time::time from checked where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: stage_timezone_lines
-- $1 line offset, $2..$3 positions of store_id, timezone_str, $4 columns, $5 file.
with fields as (
    select $1::bigint + line as line_no, raw,
           case when strpos(raw, '"') > 0 then staging.csv_fields(raw) else string_to_array(raw, ',') end as f
    from raw_lines
    where raw is not null
), typed as (
    select line_no, raw, cardinality(f) as n, btrim(f[$2::int]) as store_id, btrim(f[$3::int]) as tz
    from fields
), checked as (
    select *,
           case
               when n <> $4::int then format('wrong column count: expected %s, got %s', $4::int, n)
               when store_id = '' then 'empty store_id'
               when tz = '' then 'empty timezone_str'
           end as reason
    from typed
), rejected as (
    insert into staging.reject (file, line, reason, raw)
    select $5::text, line_no, reason, raw from checked where reason is not null
    returning 1
), staged as (
    insert into staging.timezone (line, store_id, timezone_str)
    select line_no, store_id, tz from checked where reason is null
    returning 1
)
select (select count(*) from staged) as staged, (select count(*) from rejected) as rejected

-- name: clear_staging
truncate staging.poll, staging.hours, staging.timezone, staging.reject

-- name: clear_staged_rows
-- After each file: its staged rows are moved or abandoned; the rejects stay until they are written out.
truncate staging.poll, staging.hours, staging.timezone

-- name: move_polls
-- Appends the staged polls that are new: exact duplicates (within the file or of polls already stored) are kept
-- once. Only the stored polls in the staged time range are compared, so a new hour of data does not re-read
-- the whole history.
with bounds as (
    select min(timestamp_utc) as lo, max(timestamp_utc) as hi from staging.poll
), new_polls as (
    select distinct store_id, status, timestamp_utc from staging.poll
), inserted as (
    insert into store_status (store_id, status, timestamp_utc)
    select n.store_id, n.status, n.timestamp_utc
    from new_polls n
    where not exists (
        select 1 from store_status s, bounds b
        where s.store_id = n.store_id and s.timestamp_utc = n.timestamp_utc and s.status = n.status
          and s.timestamp_utc between b.lo and b.hi
    )
    order by n.timestamp_utc, n.store_id
    returning 1
)
select count(*) from inserted

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
