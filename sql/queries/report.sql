-- Queries of the report engine (app/report). The computation itself is report_seconds_v2 (sql/migrations).

-- name: report_to_run
select id, as_of, parameters from report where id = $1

-- name: report_shards
select shard, store_from, store_to, finished_at from report_shard where report_id = $1 order by shard

-- name: sample_store_bounds
-- Store ids that split the polls into $1 shares of about equal size, from a 1 % sample of the table's pages:
-- a balanced split of the work at the cost of reading a few hundred pages.
select coalesce(percentile_disc(array(select k::float8 / $1 from generate_series(1, $1 - 1) k))
                within group (order by store_id), '{}')
from store_status tablesample system (1) repeatable (17)

-- name: create_report_shards
-- $2, $3: the shards' lower (inclusive) and upper (exclusive) store ids, NULL for unbounded.
insert into report_shard (report_id, shard, store_from, store_to)
select $1, n - 1, lo, hi from unnest($2::text[], $3::text[]) with ordinality as b(lo, hi, n)
on conflict do nothing

-- name: count_report_stores
-- The report's store count, known early so progress can be shown: every store with a poll at or before as_of.
-- The summary holds each store's first poll of every chunk, so it has the same stores (report_polls_v1 reads
-- the polls of any chunk it cannot vouch for). $3: how far the summary is used, as for the shards. count(*)
-- over DISTINCT: a hash aggregate, where count(distinct ...) would sort.
select count(*)::int from (
    select distinct store_id from report_polls_v1($1, null, null, $2::text[], $3)
) s

-- name: set_report_stores_total
update report set stores_total = $2 where id = $1

-- name: shard_settings
-- In each shard's transaction. A generic plan would hide as_of and the summary's extent from the planner (no
-- chunk exclusion at plan time). Merge joins off: the planner misjudges the business-hour CTEs and sorts 170 k
-- store rows to merge them with a few thousand pattern rows, where a hash join takes a fifth of the time
-- (measured on the 10x sample).
set local plan_cache_mode = force_custom_plan;
set local enable_mergejoin = off

-- name: compute_report_shard
-- One shard's rows, its completion and the report's progress, in one statement (so one transaction): a crash
-- leaves a shard either finished with all its rows or not started. $1 report, $2 shard, and the shard's
-- as_of, store range, store filter and how far the status change summary is used ($7), as values, so the planner
-- sees constants (chunk exclusion at plan time). Fails with SQLSTATE SP001 if a load made the summary stale
-- before $7 since the engine looked.
with inserted as (
    insert into report_row (report_id, store_id, uptime_last_hour, uptime_last_day, uptime_last_week,
                            downtime_last_hour, downtime_last_day, downtime_last_week)
    select $1, f.store_id,
           round(f.uptime_last_hour / 60, 2), round(f.uptime_last_day / 3600, 2),
           round(f.uptime_last_week / 3600, 2), round(f.downtime_last_hour / 60, 2),
           round(f.downtime_last_day / 3600, 2), round(f.downtime_last_week / 3600, 2)
    from report_seconds_v2($3, $4, $5, $6, $7) f
    where exists (select 1 from report_shard where report_id = $1 and shard = $2 and finished_at is null)
    returning 1
), counted as (
    select count(*)::int as stores from inserted
), shard_done as (
    update report_shard set finished_at = now(), stores = counted.stores
    from counted where report_id = $1 and shard = $2 and finished_at is null
    returning report_shard.stores
)
update report set stores_done = stores_done + shard_done.stores
from shard_done where id = $1
returning stores_done

-- name: newest_poll
-- The default as_of: the newest poll.
select newest_poll_v1()

-- name: report_rows_csv
-- The report as the spec's CSV (header = these column names), sorted by store_id in byte order.
select store_id, uptime_last_hour, uptime_last_day, uptime_last_week,
       downtime_last_hour, downtime_last_day, downtime_last_week
from report_row
where report_id = $1
order by store_id collate "C"

-- name: report_shards_done
select stores from report_shard where report_id = $1 and finished_at is not null

-- name: exact_store_bounds
-- Like sample_store_bounds but from every store id: for tables too small for a 1 % page sample to say much.
select coalesce(percentile_disc(array(select k::float8 / $1 from generate_series(1, $1 - 1) k))
                within group (order by store_id), '{}')
from (select distinct store_id from store_status) s
