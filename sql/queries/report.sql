-- Queries of the report engine (app/report). The computation itself is report_rows_v4 (sql/functions/report), over
-- status_pieces_v3 (sql/functions/status).

-- name: report_shards
select shard, store_from, store_to, finished_at, computed_on from report_shard where report_id = $1 order by shard

-- name: sample_store_bounds
-- Store ids that split the stores into $1 shares of about equal size, from the registry of polled stores: a
-- balanced split of the work at the cost of reading one small index.
select coalesce(percentile_disc(array(select k::float8 / $1 from generate_series(1, $1 - 1) k))
                within group (order by store_id), '{}')
from polled_store

-- name: create_report_shards
-- $2, $3: the shards' lower (inclusive) and upper (exclusive) store ids, NULL for unbounded.
insert into report_shard (report_id, shard, store_from, store_to)
select $1, n - 1, lo, hi from unnest($2::text[], $3::text[]) with ordinality as b(lo, hi, n)
on conflict do nothing

-- name: count_report_stores
-- The report's store count, known early so progress can be shown, and checked when it completes: every store with
-- a poll at or before as_of ($1), among $2 (null: all). When the summary is current for the report ($3 =
-- infinity) the registry kept with it is exact (its stores and first polls); otherwise the stores the report
-- reads. count(*) over DISTINCT: a hash aggregate, where count(distinct ...) would sort.
select case when $3::timestamptz = 'infinity'
            then (select count(*)::int from polled_store
                  where first_poll_at <= $1 and ($2::text[] is null or store_id = any ($2::text[])))
            else (select count(*)::int
                  from (select distinct store_id
                        from report_polls_v3(hours_before_v1($1, 168), $1, null, null, $2::text[], $3)) s) end

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
-- One shard's rows (with their days and outages, when the report has $8, $9), its completion and the report's
-- progress, in one statement (so one transaction): a crash leaves a shard either finished with all its rows or not
-- started. $1 report, $2 shard, and the shard's as_of, store range, store filter and how far the status change summary
-- is used ($7), as values, so the planner sees constants (chunk exclusion at plan time). Fails with SQLSTATE SP001 if
-- a load made the summary stale before $7 since the engine looked.
with reported as (
    -- The report's row, share-locked before anything is computed, as a foreign key check would lock it once per row:
    -- deleting the report waits until these rows are committed and then deletes them too (report_rows_forget_v1);
    -- a report deleted first leaves nothing to compute. (Cancelling and heartbeats do not wait: they change no key.)
    select 1 from report where id = $1 for key share
), inserted as (
    insert into report_row (report_id, store_id, uptime_last_hour, uptime_last_day, uptime_last_week,
                            downtime_last_hour, downtime_last_day, downtime_last_week, first_date, business_micros,
                            uptime_micros, downtime_micros, outage_starts, outage_ends)
    select $1, store_id, uptime_last_hour, uptime_last_day, uptime_last_week, downtime_last_hour,
           downtime_last_day, downtime_last_week, first_date, business_micros, uptime_micros, downtime_micros,
           outage_starts, outage_ends
    from report_rows_v4($3, $4, $5, $6, $7, $8::date, $9::date, $8::date is not null)
    where exists (select from reported)
      and exists (select 1 from report_shard where report_id = $1 and shard = $2 and finished_at is null)
    returning 1
), counted as (
    select count(*)::int as stores from inserted
), shard_done as (
    update report_shard set finished_at = now(), stores = counted.stores, computed_on = 'primary'
    from counted where report_id = $1 and shard = $2 and finished_at is null
    returning report_shard.stores
)
update report set stores_done = stores_done + shard_done.stores
from shard_done where id = $1
returning stores_done

-- name: record_report_wal_position
-- The primary's WAL position now, recorded on the report ($1) once the summary its shards read is current: a
-- replica computes them only after replaying past it (replica_replay_position), so its snapshot holds every write
-- committed before (synchronous commit, the default). As text: Prisma has no pg_lsn type.
update report set primary_lsn = pg_current_wal_lsn()::text where id = $1 returning primary_lsn

-- name: replica_replay_position
-- On a replica: whether it is one (in recovery), whether it has replayed the primary's WAL up to $1 (pg_lsn as
-- text), and a label for where a shard was computed: its address (or socket directory) and port.
select pg_is_in_recovery() as standby, coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false) as caught_up,
       coalesce(host(inet_server_addr()), current_setting('unix_socket_directories')) || ':'
           || current_setting('port') as server

-- name: replica_shard_rows
-- On a replica, in a transaction with shard_settings: one shard's rows, the SELECT of compute_report_shard, as
-- COPY ... TO STDOUT (binary) for create_replica_shard_rows. asyncpg's copy_from_query sends the parameters as
-- literals, so the planner sees constants as it does in compute_report_shard.
select store_id, uptime_last_hour, uptime_last_day, uptime_last_week, downtime_last_hour, downtime_last_day,
       downtime_last_week, first_date, business_micros, uptime_micros, downtime_micros, outage_starts, outage_ends
from report_rows_v4($1::timestamptz, $2::text, $3::text, $4::text[], $5::timestamptz, $6::date, $7::date,
                    $6::date is not null)

-- name: create_replica_shard_rows
-- On the primary, in the shard's completion transaction: where the rows a replica computed are COPYed (binary,
-- so the columns are replica_shard_rows's, type for type: report_rows_v4's own, taken from it, nothing computed).
-- Made once per connection; emptied at each commit.
create temp table if not exists replica_shard_rows_v4 on commit delete rows as
select * from report_rows_v4(null, null, null, null, null) with no data

-- name: store_replica_shard_rows
-- A shard computed on a replica, completed as compute_report_shard completes one, in one statement: its rows (in
-- replica_shard_rows_v4, with their days and outages), its completion ($3: where it was computed) and the report's
-- progress, only if the shard ($1 report, $2 shard) is still unfinished. Its row is locked first: a second worker
-- completing the same shard (its lease ran out meanwhile) waits, then finds it finished and stores nothing.
with unfinished as (
    select 1 from report_shard where report_id = $1 and shard = $2 and finished_at is null for update
), reported as (
    select 1 from report where id = $1 for key share  -- as in compute_report_shard
), inserted as (
    insert into report_row (report_id, store_id, uptime_last_hour, uptime_last_day, uptime_last_week,
                            downtime_last_hour, downtime_last_day, downtime_last_week, first_date, business_micros,
                            uptime_micros, downtime_micros, outage_starts, outage_ends)
    select $1, store_id, uptime_last_hour, uptime_last_day, uptime_last_week, downtime_last_hour,
           downtime_last_day, downtime_last_week, first_date, business_micros, uptime_micros, downtime_micros,
           outage_starts, outage_ends
    from replica_shard_rows_v4
    where exists (select from unfinished) and exists (select from reported)
    returning 1
), counted as (
    select count(*)::int as stores from inserted
), shard_done as (
    update report_shard set finished_at = now(), stores = counted.stores, computed_on = $3
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
select coalesce(sum(stores), 0)::int from report_shard where report_id = $1 and finished_at is not null

-- name: report_days_csv
-- A report's days (rule 12) as CSV: store_id, date_local, business_hours, uptime_hours, downtime_hours, sorted by
-- store_id in byte order, then date.
select store_id, date_local, business_hours, uptime_hours, downtime_hours
from report_day
where report_id = $1
order by store_id collate "C", date_local

-- name: claim_report_outages
-- Locks the report while its outages are computed (concurrent requests wait, then find them done); its as_of,
-- parameters and whether they are there already.
select as_of, parameters, outages_at is not null as ready from report where id = $1 for update

-- name: clear_report_outages
-- Before compute_report_outages, under its claim: outages a shard stored for a report that is not marked complete
-- with them (outages_at null), which the computation replaces.
update report_row set outage_starts = null, outage_ends = null where report_id = $1 and outage_starts is not null

-- name: compute_report_outages
-- $1 report, $2 as_of, $3 store ids (null: all), $4 how far the summary is used: the report's outages, stored on the
-- rows of the stores that have some; their number.
with stored as (
    update report_row r set outage_starts = f.outage_starts, outage_ends = f.outage_ends
    from report_figures_v3($2, null, null, $3, $4, null, null, true) f
    where r.report_id = $1 and r.store_id = f.store_id
    returning cardinality(f.outage_starts) as outages
)
update report set outages_at = now() where id = $1 returning (select coalesce(sum(outages), 0) from stored)

-- name: report_outages_csv
-- $1 report, $2 one store (null: all), $3 at least this many minutes (null: any). store_id, start_utc, end_utc
-- (ISO 8601, UTC, microseconds), minutes (2 decimals, halves away from zero), by store then start.
select store_id, to_char(start_utc at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as start_utc,
       to_char(end_utc at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as end_utc,
       round(extract(epoch from end_utc - start_utc) / 60, 2) as minutes
from report_outage
where report_id = $1 and ($2::text is null or store_id = $2)
  and ($3::numeric is null or extract(epoch from end_utc - start_utc) >= $3::numeric * 60)
order by store_id collate "C", start_utc
