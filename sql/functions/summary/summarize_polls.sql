-- summary_absorb_polls_v1(store_ids, timestamps, exact, writer): brings the status change summary up to date for
-- polls just written to store_status (given as parallel arrays; `exact`: exactly the rows added, no copies of
-- stored polls), by this transaction or, committed, by the writer named `writer` (storepulse.writer). The caller
-- holds the summary lock (app/summary/lock.py) and runs REPEATABLE READ, so records name the snapshot the summary
-- was read in. Per chunk the polls fall in:
--   * a chunk whose summary is current apart from these writes, and that got fewer new polls than a tenth of what
--     it holds, is updated in proportion to the new polls (summary_absorb_chunk_v1);
--   * any other chunk (new, bulk-loaded, or written by someone else since) is summarized whole (summarize_chunk_v2).
-- The pending-write rows of these writes are then dropped, and the stores' registry entries brought up to date
-- (polled_stores_advance_v1):
-- when the transaction commits the summary has seen the writes. Returns the summary rows written.
create or replace function summary_absorb_polls_v1(p_store_ids text[], p_ts timestamptz[], p_exact boolean,
                                                   p_writer text default null)
returns bigint
language plpgsql
as $$
declare
    chunk record;
    written bigint := 0;
    own constant bigint := pg_current_xact_id()::text::bigint;
    -- The stores the registry knew before these polls: their latest state can be advanced rather than recomputed.
    known constant text[] := array(select k.store_id from polled_store k where k.store_id = any (p_store_ids));
begin
    for chunk in
        select c.chunk, c.range_start, c.range_end, r.polls,
               (select count(*) from unnest(p_ts) t where t >= c.range_start and t < c.range_end) as new_polls,
               r.chunk is not null and r.filenode = pg_relation_filenode(c.chunk::oid)
               and not exists (select from status_change_unseen_writes_v1(c.range_start, c.range_end, r.snapshot) w
                               where not (w.xid = own or (p_writer is not null and w.writer = p_writer)))
                   as current_but_these
        from status_change_chunks_v1() c
        left join status_change_chunk r on r.chunk = c.chunk
        where c.range_end > (select min(t) from unnest(p_ts) t) and c.range_start <= (select max(t) from unnest(p_ts) t)
        order by c.range_start
    loop
        continue when chunk.new_polls = 0;
        if chunk.current_but_these and chunk.new_polls * 10 < coalesce(chunk.polls, 0) then
            written := written + summary_absorb_chunk_v1(chunk.chunk, chunk.range_start, chunk.range_end, p_store_ids,
                                                         p_ts, p_exact);
        else
            written := written + summarize_chunk_v2(chunk.chunk, chunk.range_start, chunk.range_end);
        end if;
    end loop;
    delete from status_change_pending where xid = own or (p_writer is not null and writer = p_writer);
    perform polled_stores_advance_v1(p_store_ids, p_ts, known);
    return written;
end
$$;
