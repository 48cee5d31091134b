-- The status change summary (tables in sql/migrations/006 and 007), one chunk at a time.
-- summarize_chunk_v2(chunk, range_start, range_end) writes the summary of one chunk of store_status anew: each
-- store's first poll in the chunk and every later poll in it whose status differs from the poll before it (polls
-- in (time, status) order, so of an instant polled both ways the inactive poll comes last). A poll left out has
-- the status of the row kept just before it, so whatever reads the summary instead of the polls finds the same
-- status at every instant; each chunk's first poll per store is kept so chunks can be summarized independently.
--
-- The record (status_change_chunk) says which writes the summary saw: the snapshot of the one statement that read
-- the polls, counted them and wrote the rows (so it is right in READ COMMITTED too, where the refresh runs chunks
-- side by side). The registry (polled_store) follows, one chunk's transaction at a time (a transaction-level
-- advisory lock, so chunks summarized side by side never deadlock on it): a store whose first poll was in the
-- chunk gets it found again (or leaves the registry when it has no poll left), and the chunk's stores join it
-- (their latest state is set by polled_stores_refresh_v1). The caller holds the summary lock. Returns the rows
-- written.
create or replace function summarize_chunk_v2(p_chunk bigint, p_range_start timestamptz, p_range_end timestamptz)
returns bigint
language plpgsql
set plan_cache_mode = force_custom_plan  -- the range is a constant when planned: only this chunk is read
set max_parallel_workers_per_gather = 0  -- the index gives the polls in order: no sort, no workers
as $$
declare
    written bigint;
begin
    delete from status_change where ts >= p_range_start and ts < p_range_end;
    with summarized as (
        insert into status_change (store_id, ts, status)
        select store_id, ts, status
        from (select s.store_id, s.timestamp_utc as ts, s.status,
                     lag(s.status) over (partition by s.store_id order by s.timestamp_utc, s.status) as previous
              from store_status s
              where s.timestamp_utc >= p_range_start and s.timestamp_utc < p_range_end) ordered
        where previous is distinct from status
        returning 1
    )
    insert into status_change_chunk (chunk, range_start, range_end, filenode, snapshot, changes, polls, summarized_at)
    values (p_chunk, p_range_start, p_range_end, pg_relation_filenode(p_chunk::oid), pg_current_snapshot()::text,
            (select count(*) from summarized), polls_in_range_v1(p_range_start, p_range_end), now())
    on conflict (chunk) do update
    set range_start = excluded.range_start, range_end = excluded.range_end, filenode = excluded.filenode,
        snapshot = excluded.snapshot, changes = excluded.changes, polls = excluded.polls,
        summarized_at = excluded.summarized_at
    returning changes into written;

    perform pg_advisory_xact_lock(23364239364);  -- 0x5709E_0004: the registry, one chunk at a time
    perform polled_stores_recheck_v1(p_range_start, p_range_end);
    perform polled_stores_add_v1(p_range_start, p_range_end);
    return written;
end
$$;
