-- Queries that keep the status change summary (status_change, see sql/migrations/006_status_change.sql) true:
-- app/report/summary.py.

-- name: summary_stale_from
-- Where the summary stops being usable for a report as of $1 (infinity: nowhere).
select status_change_stale_from_v1($1)

-- name: stale_summary_chunks
-- Every chunk to summarize again, and every summary of a dropped chunk (chunk null), oldest first.
select chunk, range_start, range_end, reason
from status_change_stale_chunks_v1('infinity')
order by range_start, chunk nulls first

-- name: forget_dropped_chunks
-- The summaries of dropped chunks go: their records and rows. A chunk made since over part of such a range loses
-- its record too (it is summarized again next), so no row of the old chunk can pass for one of the new.
with gone as (
    delete from status_change_chunk r
    where not exists (select from status_change_chunks_v1() c where c.chunk = r.chunk)
    returning tstzrange(r.range_start, r.range_end) as span
), spans as (
    select range_agg(span) as spans from gone
), old_rows as (
    delete from status_change c using spans
    where c.ts >= lower(spans.spans) and c.ts < upper(spans.spans) and spans.spans @> c.ts
), overlapping as (
    delete from status_change_chunk r using spans
    where spans.spans && tstzrange(r.range_start, r.range_end)
)
select count(*)::int from gone

-- name: summary_chunk_settings
-- Run first in a chunk's REPEATABLE READ transaction: the chunk's bounds are constants when its statements are
-- planned (so only that chunk is read), and the index gives the polls in order (no sort, no parallel workers).
set local plan_cache_mode = force_custom_plan;
set local max_parallel_workers_per_gather = 0

-- name: clear_chunk_summary
delete from status_change where ts >= $1 and ts < $2

-- name: count_chunk_polls
select count(*) from store_status where timestamp_utc >= $1 and timestamp_utc < $2

-- name: confirm_chunk_unchanged
-- $1 chunk oid, [$2, $3) its range, $4 its polls now. When every write to it that its summary has not seen was an
-- INSERT and it holds as many polls as then, no row was added: the summary is current, as of this snapshot.
update status_change_chunk r
set snapshot = pg_current_snapshot()::text
where r.chunk = $1 and r.polls = $4 and r.filenode = pg_relation_filenode($1::bigint::oid)
  and not exists (select from status_change_pending w
                  where (w.polls_from is null or (w.polls_from < $3 and w.polls_to > $2))
                    and not pg_visible_in_snapshot(w.xid::text::xid8, r.snapshot::pg_snapshot)
                    and w.operation <> 'INSERT')
returning 1

-- name: summarize_chunk
-- $1 chunk oid, [$2, $3) its range, $4 its polls. One LAG over the chunk's (store_id, timestamp_utc, status)
-- index; the snapshot recorded is this transaction's, the one the polls were read in.
with summarized as (
    insert into status_change (store_id, ts, status)
    select store_id, ts, status
    from (
        select s.store_id, s.timestamp_utc as ts, s.status,
               lag(s.status) over (partition by s.store_id order by s.timestamp_utc, s.status) as previous
        from store_status s
        where s.timestamp_utc >= $2 and s.timestamp_utc < $3
    ) ordered
    where previous is distinct from status
    returning 1
)
insert into status_change_chunk (chunk, range_start, range_end, filenode, snapshot, changes, polls, summarized_at)
select $1, $2, $3, pg_relation_filenode($1::bigint::oid), pg_current_snapshot()::text, count(*), $4, now()
from summarized
on conflict (chunk) do update
set range_start = excluded.range_start, range_end = excluded.range_end, filenode = excluded.filenode,
    snapshot = excluded.snapshot, changes = excluded.changes, polls = excluded.polls,
    summarized_at = excluded.summarized_at
returning changes

-- name: forget_settled_writes
-- Pending writes every chunk they may touch has seen (or that touch no chunk that still exists).
delete from status_change_pending w
where not exists (
    select from status_change_chunks_v1() c
    left join status_change_chunk r on r.chunk = c.chunk
    where (w.polls_from is null or (w.polls_from < c.range_end and w.polls_to > c.range_start))
      and (r.chunk is null or not pg_visible_in_snapshot(w.xid::text::xid8, r.snapshot::pg_snapshot))
)

-- name: vacuum_summary
vacuum (analyze) status_change, status_change_chunk, status_change_pending

-- name: set_poll_range
-- Tells the store_status trigger which polls this transaction writes: [$1, $2).
select set_config('storepulse.poll_range', tstzrange($1, $2)::text, true)

-- name: forget_own_writes
-- For a transaction of the loader that turned out to change no poll: its pending-write rows are not needed.
delete from status_change_pending where xid = pg_current_xact_id()::text::bigint
