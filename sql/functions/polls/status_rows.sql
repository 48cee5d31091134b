-- Rule 7's raw material. status_rows_v1(from, to, now, store_from, store_to, store_ids, summary_until): the rows in
-- [from, to] of every store among the stores in [store_from, store_to) (null: unbounded) and in store_ids (null:
-- all) that give its status at every instant there: rows of the status change summary (status_change) where it is
-- current for a report as of `now`, before summary_until, and the polls themselves (store_status) from there on.
--
-- Null summary_until: the statement finds where the summary stops being usable itself (an InitPlan). A caller that
-- passes it (the report engine, as a constant, so that chunks are excluded when the statement is planned) has it
-- checked in the statement's own snapshot: status_change_assert_usable_v1 fails with SQLSTATE SP001 when a write
-- made the summary stale before it since the caller looked.
--
-- The two sources are one UNION ALL whose branches have no WHERE of their own: PostgreSQL then flattens them into
-- one append relation and pushes the conditions into each, where `source = ...` folds to true or false and drops
-- the branch that is not needed.
create or replace function status_rows_v1(p_from timestamptz, p_to timestamptz, p_now timestamptz,
                                          p_store_from text, p_store_to text, p_store_ids text[],
                                          p_summary_until timestamptz)
returns table (store_id text, ts timestamptz, status poll_status)
language sql stable as $$
    select p.store_id, p.ts, p.status
    from (select 'summary' as source, c.store_id, c.ts, c.status from status_change c
          union all
          select 'polls', s.store_id, s.timestamp_utc, s.status from store_status s) p
    where ((p.source = 'summary'
            and p.ts < coalesce(p_summary_until, (select status_change_stale_from_v1(p_now)))
            and status_change_assert_usable_v1(p_now, p_summary_until))
           or (p.source = 'polls' and p.ts >= coalesce(p_summary_until, (select status_change_stale_from_v1(p_now)))))
      and p.ts >= p_from and p.ts <= p_to
      and (p_store_from is null or p.store_id >= p_store_from)
      and (p_store_to is null or p.store_id < p_store_to)
      and (p_store_ids is null or p.store_id = any (p_store_ids))
$$;
