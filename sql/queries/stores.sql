-- Queries of a store's own data written over HTTP (app/stores/edits.py).

-- name: bad_times
-- Of the labelled texts ($1 labels, $2 texts), those that are not local times of day as the loader accepts them.
select label, value
from unnest($1::text[], $2::text[]) as t(label, value)
where not coalesce(staging.is_time(btrim(value)), false)

-- name: replace_store_hours
-- The store's weekly rows become exactly the given ones ($2 days, $3 starts, $4 ends; none: open 24/7).
with gone as (
    delete from store_hours where store_id = $1
), added as (
    insert into store_hours (store_id, day_of_week, start_time_local, end_time_local)
    select $1, d, btrim(s)::time, btrim(e)::time from unnest($2::smallint[], $3::text[], $4::text[]) as r(d, s, e)
    returning 1
)
select count(*)::int from added

-- name: set_store_timezone
-- Upserts the store's zone name; returns the zone reports use for it (store_zone_v1).
with stored as (
    insert into store_timezone (store_id, timezone_str) values ($1, $2)
    on conflict (store_id) do update set timezone_str = excluded.timezone_str
)
select zone from store_zone_v1($2)

-- name: replace_special_hours
-- Rule 10: the store's rows for local date $2 become exactly these ($3 starts, $4 ends; none: a closed row).
with gone as (
    delete from special_hours where store_id = $1 and date_local = $2
), added as (
    insert into special_hours (store_id, date_local, start_time_local, end_time_local)
    select $1, $2, btrim(s)::time, btrim(e)::time from unnest($3::text[], $4::text[]) as r(s, e)
    union all
    select $1, $2, null, null where cardinality($3::text[]) = 0
    returning 1
)
select count(*)::int from added

-- name: drop_special_hours
with gone as (
    delete from special_hours where store_id = $1 and date_local = $2 returning 1
)
select count(*)::int from gone
