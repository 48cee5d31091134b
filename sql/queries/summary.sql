-- Queries that keep the status change summary (status_change; functions in sql/functions/summary) true:
-- app/summary.

-- name: summary_lock
-- One summary writer at a time (refresh, absorb, retention): a session advisory lock, taken before the writer's
-- transaction begins so its snapshot sees every write the previous holder committed.
select pg_advisory_lock(23364239363)  -- 0x5709E_0003

-- name: set_lock_timeout
select set_config('lock_timeout', $1, false)

-- name: reset_lock_timeout
reset lock_timeout

-- name: summary_try_lock
select pg_try_advisory_lock(23364239363)

-- name: summary_unlock
select pg_advisory_unlock(23364239363)

-- name: summary_stale_from
-- Where the summary stops being usable for a report as of $1 (infinity: nowhere).
select status_change_stale_from_v1($1)

-- name: stale_summary_chunks
-- Every chunk to summarize again, and every summary of a dropped chunk (chunk null), oldest first.
select chunk, range_start, range_end, reason
from status_change_stale_chunks_v1('infinity')
order by range_start, chunk nulls first

-- name: forget_dropped_chunks
-- The summaries of dropped chunks go (status_change_forget_dropped_v1); returns how many.
select status_change_forget_dropped_v1()

-- name: confirm_chunk_unchanged
-- $1 chunk oid, [$2, $3) its range. When every write to it that its summary has not seen was an INSERT and it
-- holds as many polls as then, no row was added: the summary is current, as of this statement's snapshot (the one
-- the polls were counted in).
update status_change_chunk r
set snapshot = pg_current_snapshot()::text
where r.chunk = $1 and r.filenode = pg_relation_filenode($1::bigint::oid) and r.polls = polls_in_range_v1($2, $3)
  and not exists (select from status_change_unseen_writes_v1($2, $3, r.snapshot) w where w.operation <> 'INSERT')
returning 1

-- name: summarize_chunk
-- $1 chunk oid, [$2, $3) its range.
select summarize_chunk_v2($1, $2, $3)

-- name: forget_settled_writes
-- Pending writes that every chunk they may touch has seen (or that touch no chunk that still exists).
delete from status_change_pending w
where not exists (select from status_change_chunks_v1() c
                  left join status_change_chunk r on r.chunk = c.chunk
                  cross join lateral status_change_unseen_writes_v1(c.range_start, c.range_end, r.snapshot) u
                  where u.id = w.id)

-- name: refresh_polled_stores
-- The registry's latest state of every store (after a refresh summarized chunks).
select polled_stores_refresh_v1(null)

-- name: absorb_polls
-- $1 store ids, $2 timestamps (parallel arrays), $3 exactly the rows added, $4 the writer's name (null: this
-- transaction). Returns the summary rows written.
select summary_absorb_polls_v1($1::text[], $2::timestamptz[], $3, $4)

-- name: vacuum_summary
vacuum (analyze) status_change, status_change_chunk, status_change_pending, polled_store

-- name: set_poll_range
-- Tells the store_status trigger which polls this transaction writes: [$1, $2).
select set_config('storepulse.poll_range', tstzrange($1, $2)::text, true)

-- name: set_writer
-- Names this transaction's writes for summary_absorb_polls_v1 (the loader: its load id).
select set_config('storepulse.writer', $1, true)

-- name: forget_own_writes
-- For a transaction of the loader that turned out to change no poll: its pending-write rows are not needed.
delete from status_change_pending where xid = pg_current_xact_id()::text::bigint

-- name: apply_retention
select kept_from, chunks_dropped from retention_apply_v1($1)

-- name: retention_kept_from
select kept_from from poll_retention

-- name: absorb_staged_polls
-- After a load named $1 committed: the summary brought up to date for the polls it staged (staging.poll: the new
-- ones and copies of stored ones), in this REPEATABLE READ transaction under the summary lock.
select summary_absorb_polls_v1(coalesce(array_agg(store_id), '{}'), coalesce(array_agg(timestamp_utc), '{}'),
                               false, $1)
from staging.poll

-- name: summary_staleness
-- For GET /metrics: chunks whose summary a report could not use as it is, writes to the polls not yet summarized,
-- and the age in seconds of the oldest of those (null: none).
select (select count(*) from status_change_stale_chunks_v1('infinity'))::int as stale_chunks,
       (select count(*) from status_change_pending)::int as pending_writes,
       extract(epoch from now() - (select min(written_at) from status_change_pending))::float8
           as oldest_pending_write_age_seconds
