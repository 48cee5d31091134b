-- Queries of the report job queue (app/jobs/manager.py runs them, one method each). The queue is the `report`
-- table: a worker claims a row with FOR UPDATE SKIP LOCKED and owns it while its lease (`worker_id`,
-- `lease_expires_at`, extended by a heartbeat) is current. Every ownership-changing update checks that the
-- caller still owns the row, so a worker whose lease ran out cannot overwrite the next owner's work.
-- Lease times use the database's clock only, so workers on hosts with skewed clocks agree.

-- name: jobs_schema_ready
-- Whether the tables the queue needs exist (start-up check of workers and the API).
select to_regclass('public.report') is not null and to_regclass('public.report_shard') is not null

-- name: enqueue_report
-- $1 as_of, $2 parameters (JSON text: {"store_ids": [...]} or {}), $3 notification channel, $4 the tenant whose
-- keys see it (null: admin keys only), $5 the key that triggered it (null: the command line). The notification is
-- delivered when the transaction commits, so a woken worker always finds the row.
with queued as (
    insert into report (as_of, parameters, tenant_id, api_key_id)
    values ($1::timestamptz, $2::jsonb, $4::bigint, $5::bigint)
    returning *
)
select queued.* from queued, lateral (select pg_notify($3::text, queued.id::text)) as notified

-- name: report_submission_lock
-- Held until the submitting transaction ends: the triggers of one tenant ($1; null: admin keys and the command
-- line) are checked against its queued and running reports one at a time, so two identical triggers cannot both
-- queue a report and a key cannot pass its limit by triggering in parallel.
select pg_advisory_xact_lock(hashtextextended('storepulse.report_submission:' || coalesce($1::bigint::text, '-'), 0))

-- name: identical_active_report
-- A queued or running report of tenant $1 (null: admin's) as of $2 with the same parameters as $3, the same store
-- ids in any order. Served by report_claimable_idx: only unfinished reports are read.
select *
from report r
where r.status in ('queued', 'running') and r.tenant_id is not distinct from $1::bigint and r.as_of = $2::timestamptz
  and r.parameters - 'store_ids' = $3::jsonb - 'store_ids'
  and (r.parameters ? 'store_ids') = ($3::jsonb ? 'store_ids')
  and (select array_agg(e.value order by e.value collate "C")
       from jsonb_array_elements_text(r.parameters -> 'store_ids') as e(value))
      is not distinct from
      (select array_agg(e.value order by e.value collate "C")
       from jsonb_array_elements_text($3::jsonb -> 'store_ids') as e(value))
order by r.queued_at
limit 1

-- name: active_reports_of_key
-- How many reports key $1 has queued or running (the per-key limit).
select count(*)::int from report where api_key_id = $1::bigint and status in ('queued', 'running')

-- name: fail_abandoned_reports
-- Reports whose worker vanished (lease expired) after $1 attempts are given up instead of being claimed again:
-- a report that kills its worker every time must not loop forever.
update report
set status = 'failed', finished_at = now(), worker_id = null, lease_expires_at = null,
    error = format('gave up after %s attempts: the worker running it stopped without finishing '
                   '(its lease expired)', attempts)
            || coalesce('; last error: ' || error, '')
where status = 'running' and lease_expires_at < now() and attempts >= $1::int
returning id

-- name: claim_report
-- $1 worker id, $2 lease in seconds, $3 max attempts. Oldest first: a queued report, or a running one whose
-- worker's lease expired (it died); the engine resumes the latter from its finished shards.
with candidate as (
    select id
    from report
    where status = 'queued'
       or (status = 'running' and lease_expires_at < now() and attempts < $3::int)
    order by queued_at, id
    limit 1
    for update skip locked
)
update report r
set status = 'running', worker_id = $1::text, lease_expires_at = now() + make_interval(secs => $2::float8),
    attempts = r.attempts + 1, started_at = coalesce(r.started_at, now())
from candidate
where r.id = candidate.id
returning r.*

-- name: claim_report_by_id
-- Like claim_report, for one given queued report (the command line runs its own report inline).
update report
set status = 'running', worker_id = $2::text, lease_expires_at = now() + make_interval(secs => $3::float8),
    attempts = attempts + 1, started_at = coalesce(started_at, now())
where id = $1::uuid and status = 'queued'
returning *

-- name: extend_lease
-- The heartbeat. No row back means the report is no longer ours: cancelled, or taken over after our lease ran out.
update report
set lease_expires_at = now() + make_interval(secs => $3::float8)
where id = $1::uuid and worker_id = $2::text and status = 'running'
returning id

-- name: complete_report
-- Marks the report complete only if this worker still owns it, every shard has committed and there is one row
-- per counted store; the row count is taken in the same statement (one transaction). No row back: not ours any
-- more, or rows are missing.
with rows as (
    select count(*)::int as n from report_row where report_id = $1::uuid
)
update report r
set status = 'complete', finished_at = now(), row_count = rows.n, worker_id = null, lease_expires_at = null,
    error = null,
    -- A report with days got its outages from its shards (compute_report_shard): complete with them.
    outages_at = case when r.parameters ->> 'days' is not null then coalesce(r.outages_at, now()) else r.outages_at end
from rows
where r.id = $1::uuid and r.worker_id = $2::text and r.status = 'running'
  and not exists (select 1 from report_shard s where s.report_id = $1::uuid and s.finished_at is null)
  and (r.stores_total is null or r.stores_total = rows.n)
returning r.*

-- name: report_shard_tally
-- Why a report could not be completed: shards that have not committed, rows stored, stores counted.
select (select count(*)::int from report_shard where report_id = $1::uuid) as shards,
       (select count(*)::int from report_shard where report_id = $1::uuid and finished_at is null)
           as unfinished_shards,
       (select count(*)::int from report_row where report_id = $1::uuid) as rows,
       (select stores_total from report where id = $1::uuid) as stores_total

-- name: fail_report
-- $3 the reason. Only by the owning worker.
update report
set status = 'failed', finished_at = now(), error = $3::text, worker_id = null, lease_expires_at = null
where id = $1::uuid and worker_id = $2::text and status = 'running'
returning *

-- name: retry_report
-- After a failed attempt with attempts left: back in the queue (the error is kept for the metadata), and a
-- notification wakes a worker. Finished shards stay: the next attempt resumes from them.
with requeued as (
    update report
    set status = 'queued', error = $3::text, worker_id = null, lease_expires_at = null
    where id = $1::uuid and worker_id = $2::text and status = 'running'
    returning *
)
select requeued.* from requeued, lateral (select pg_notify($4::text, requeued.id::text)) as notified

-- name: hand_back_report
-- Graceful shutdown: the report goes back to the queue without counting the interrupted attempt.
with handed_back as (
    update report
    set status = 'queued', worker_id = null, lease_expires_at = null, attempts = greatest(attempts - 1, 0)
    where id = $1::uuid and worker_id = $2::text and status = 'running'
    returning *
)
select handed_back.* from handed_back, lateral (select pg_notify($3::text, handed_back.id::text)) as notified

-- name: cancel_report
-- Cancels a queued or running report and deletes its partial rows. A running report's worker notices at its
-- next heartbeat, stops, and deletes rows a shard may have committed in between (discard_cancelled_rows). A shard
-- finishing right now holds its report_shard row and waits for the report's row, which this holds: its shard row
-- is left to the worker (skip locked) rather than waited for, which would deadlock.
with cancelled as (
    update report
    set status = 'cancelled', finished_at = now(), lease_expires_at = null
    where id = $1::uuid and status in ('queued', 'running')
    returning *
), deleted_rows as (
    delete from report_row where report_id in (select id from cancelled)
), deleted_shards as (
    delete from report_shard
    where (report_id, shard) in (select report_id, shard from report_shard
                                 where report_id in (select id from cancelled)
                                 for update skip locked)
)
select * from cancelled

-- name: discard_cancelled_rows
-- Deletes the rows, days, outages and shards of a report only if it is cancelled (never those of a live report).
with cancelled as (
    select id from report where id = $1::uuid and status = 'cancelled'
), deleted_shards as (
    delete from report_shard where report_id in (select id from cancelled)
)
delete from report_row where report_id in (select id from cancelled)

-- name: get_report
select * from report where id = $1::uuid

-- name: get_report_status
-- The hot path of clients polling a report: only what GET /get_report answers with, and whose it is.
select status, stores_done, stores_total, error, tenant_id from report where id = $1::uuid

-- name: list_reports
-- Most recent first; $1 limit, $2 offset. Served by report_queued_at_idx.
select * from report order by queued_at desc, id desc limit $1::int offset $2::int

-- name: list_tenant_reports
-- The reports of tenant $3, most recent first; $1 limit, $2 offset. Served by report_tenant_queued_at_idx.
select * from report where tenant_id = $3::bigint order by queued_at desc, id desc limit $1::int offset $2::int

-- name: delete_finished_report
-- Deletes a complete, failed or cancelled report; its rows, days and shards go with it (on delete cascade). No row
-- back: unknown, or still queued or running.
delete from report where id = $1::uuid and status in ('complete', 'failed', 'cancelled')
returning *

-- name: worker_seen
-- A worker's heartbeat ($1 its id); the rows of workers not seen for a day are dropped on the way.
with forgotten as (
    delete from worker_heartbeat where seen_at < now() - interval '1 day' and worker_id <> $1::text
)
insert into worker_heartbeat (worker_id) values ($1::text)
on conflict (worker_id) do update set seen_at = now()

-- name: worker_gone
delete from worker_heartbeat where worker_id = $1::text

-- name: workers_alive
-- Workers seen within the last $1 seconds.
select count(*)::int from worker_heartbeat where seen_at > now() - make_interval(secs => $1::float8)

-- name: unknown_store_ids
-- The ids in $1 that have no poll at all (an index probe per id on store_status_store_time_idx).
select requested.store_id
from unnest($1::text[]) with ordinality as requested(store_id, position)
where not exists (select 1 from store_status s where s.store_id = requested.store_id)
order by requested.position

-- name: has_polls_until
-- Whether any poll is at or before $1 (a report as of an earlier instant would have no rows).
select exists (select 1 from store_status where timestamp_utc <= $1::timestamptz)

-- name: polls_kept_from
-- Where the polls kept by retention begin (no row: nothing was ever dropped).
select kept_from from poll_retention
-- name: reports_by_state
-- For GET /metrics: how many reports the table holds in each state.
select status::text as state, count(*)::int as reports from report group by status

-- name: report_run_buckets
-- For GET /metrics: finished reports (that started) by final state and run time, the run times bucketed by the
-- bounds $1 (seconds, ascending; bucket i holds runs in [bound i, bound i+1), bucket 0 those below the first).
select status::text as state, width_bucket(seconds, $1::float8[]) as bucket, count(*)::int as reports,
       sum(seconds)::float8 as seconds
from (select status, extract(epoch from finished_at - started_at)::float8 as seconds
      from report
      where finished_at is not null and started_at is not null) as runs
group by 1, 2

-- name: report_queue_stats
-- For GET /metrics and readiness: reports queued, and the age of the oldest one in seconds (null: none queued).
select count(*)::int as queued, extract(epoch from now() - min(queued_at))::float8 as oldest_age_seconds
from report
where status = 'queued'
