-- Pending-write visibility, the one test of whether a chunk's summary saw a write.
-- status_change_unseen_writes_v1(range_start, range_end, snapshot): the writes recorded in status_change_pending
-- (note_write.sql) that may have touched polls in [range_start, range_end) and are not visible in `snapshot` (the
-- snapshot a chunk was summarized in; null: never summarized, so none was seen). A write with no range may have
-- touched any. Checked in the reader's own snapshot this is exact: a write and its pending row commit together.
-- Inlined into its callers (stale_chunks.sql, summarize_polls.sql, sql/queries/summary.sql).
create or replace function status_change_unseen_writes_v1(p_range_start timestamptz, p_range_end timestamptz,
                                                          p_snapshot text)
returns table (id bigint, xid bigint, operation text, polls_from timestamptz, polls_to timestamptz, writer text)
language sql stable as $$
    select w.id, w.xid, w.operation, w.polls_from, w.polls_to, w.writer
    from status_change_pending w
    where (w.polls_from is null or (w.polls_from < p_range_end and w.polls_to > p_range_start))
      and (p_snapshot is null or not pg_visible_in_snapshot(w.xid::text::xid8, p_snapshot::pg_snapshot))
$$;
