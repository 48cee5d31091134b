-- status_change_stale_chunks_v1(now): the chunks starting at or before `now` whose summary cannot be used for polls
-- at or before `now`, and why; chunk is null for the summary of a chunk that is gone (its rows must go too). A
-- summary can be used when its record exists (status_change_chunk), the chunk's file node is the one it was
-- summarized from (TRUNCATE, VACUUM FULL and drop-and-recreate change it), and it saw every write that may touch
-- it (status_change_unseen_writes_v1). Writes wholly after `now` are ignored: a poll can only change whether a
-- later poll is a change point.
create or replace function status_change_stale_chunks_v1(p_now timestamptz)
returns table (chunk bigint, range_start timestamptz, range_end timestamptz, reason text)
language sql stable as $$
    with chunk as materialized (
        select * from status_change_chunks_v1()
    )
    select c.chunk, c.range_start, c.range_end,
           case when r.chunk is null then 'not summarized'
                when r.filenode <> pg_relation_filenode(c.chunk::oid) then 'rewritten'
                else 'written since' end
    from chunk c
    left join status_change_chunk r on r.chunk = c.chunk
    where c.range_start <= p_now
      and (r.chunk is null
           or r.filenode <> pg_relation_filenode(c.chunk::oid)
           or exists (select from status_change_unseen_writes_v1(c.range_start, c.range_end, r.snapshot) w
                      where w.polls_from is null or w.polls_from <= p_now))
    union all
    select null, r.range_start, r.range_end, 'chunk dropped'
    from status_change_chunk r
    where r.range_start <= p_now and not exists (select from chunk c where c.chunk = r.chunk)
$$;
