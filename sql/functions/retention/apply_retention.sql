-- retention_apply_v1(older_than): drops the chunks of store_status and of the status change summary that end at or
-- before `older_than` (TimescaleDB's drop_chunks), after keeping, for every polled store, its last summary row
-- before the first chunk that stays (status_change_baseline): its status when the kept range begins, which
-- report_polls_v3 reads for a store with no row left before a report's window. The caller brought the summary up to
-- date first and holds its lock. Records where the kept range begins (poll_retention); a report whose week starts
-- before it is refused. Returns that instant and the chunks dropped.
create or replace function retention_apply_v1(p_older_than timestamptz)
returns table (kept_from timestamptz, chunks_dropped integer)
language plpgsql as $$
declare
    keep_from timestamptz;
    dropped integer;
begin
    select coalesce(min(c.range_start) filter (where c.range_end > p_older_than), p_older_than)
    into keep_from
    from status_change_chunks_v1() c;

    insert into status_change_baseline as k (store_id, ts, status)
    select s.store_id, b.ts, b.status
    from polled_store s
    cross join lateral (
        (select c.ts, c.status from status_change c
         where c.store_id = s.store_id and c.ts < keep_from
         order by c.ts desc, c.status desc limit 1)
        union all
        (select x.ts, x.status from status_change_baseline x where x.store_id = s.store_id)
        limit 1
    ) b
    where s.first_poll_at < keep_from
    on conflict (store_id) do update set ts = excluded.ts, status = excluded.status
    where (k.ts, k.status) is distinct from (excluded.ts, excluded.status);

    select count(*) into dropped from drop_chunks('store_status', older_than => p_older_than);
    perform drop_chunks('status_change', older_than => p_older_than);
    delete from status_change_chunk r where r.range_end <= keep_from;

    insert into poll_retention as r (kept_from) values (keep_from)
    on conflict (only_row) do update set kept_from = greatest(r.kept_from, excluded.kept_from), performed_at = now();
    return query select (select p.kept_from from poll_retention p), dropped;
end
$$;
