-- Rules 5 and 10 for a few stores over one span. business_hours_of_v1(from, to, store_ids): each given store's
-- business hours inside [from, to] as one multirange, overlaps merged: business_intervals_v2's intervals, or the
-- whole span for a store without hour rows (open all the time). For the live views and alerts, which look at the
-- stores that are down now.
create or replace function business_hours_of_v1(p_from timestamptz, p_to timestamptz, p_store_ids text[])
returns table (store_id text, hours tstzmultirange)
language sql stable as $$
    select s.store_id, coalesce(b.hours, tstzmultirange(tstzrange(p_from, p_to)))
    from unnest(p_store_ids) s(store_id)
    left join (select i.store_id,
                      coalesce(range_agg(tstzrange(i.open_at, i.close_at)) filter (where i.open_at is not null),
                               '{}') as hours
               from business_intervals_v2(p_from, p_to, null, null, p_store_ids, false) i
               group by i.store_id) b on b.store_id = s.store_id
    where p_from < p_to
$$;
