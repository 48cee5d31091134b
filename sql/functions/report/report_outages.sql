-- Rule 11. report_outages_v1(now, store_from, store_to, store_ids, summary_until): every outage of the reported
-- stores, a maximal span inside the last week [now - 7 d, now] that is in business hours and inactive: runs of
-- status_pieces_v1's pieces in that state (a piece in another state ends a run, so a store closing while down and
-- opening again while down has two). Their lengths add up to the store's downtime_last_week.
create or replace function report_outages_v1(p_now timestamptz, p_store_from text, p_store_to text,
                                             p_store_ids text[], p_summary_until timestamptz default null)
returns table (store_id text, start_utc timestamptz, end_utc timestamptz)
language sql stable as $$
    select store_id, min(starts_at), max(ends_at)
    from (select p.*,
                 count(*) filter (where not (in_hours and down)) over (partition by store_id order by starts_at)
                     as run
          from status_pieces_v1(p_now - interval '7 days', p_now, p_store_from, p_store_to, p_store_ids,
                                p_summary_until, false) p) runs
    where in_hours and down
    group by store_id, run
$$;
