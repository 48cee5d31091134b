-- The stores that are down now, as alerts see them. alert_down_spells_v1(now, store_ids): every store among
-- store_ids (null: all) whose newest poll is inactive (the registry, polled_store), with the poll that began that
-- run of inactive polls (down_since), its business time in [down_since, now] as a multirange (from which
-- alert_threshold_at_v1 finds when a threshold was reached) and in minutes. Closing time pauses the clock: only
-- business time counts (rules 5 and 10), so the spell's business time is the union of rule 11's outages in it.
create or replace function alert_down_spells_v1(p_now timestamptz, p_store_ids text[])
returns table (store_id text, down_since timestamptz, business tstzmultirange, business_minutes numeric)
language sql stable as $$
    with down as (
        select k.store_id, k.status_since
        from polled_store k
        where k.status = 'inactive' and k.status_since <= p_now
          and (p_store_ids is null or k.store_id in (select unnest(p_store_ids)))
    ), hours as (
        select * from business_hours_of_v1((select min(status_since) from down), p_now,
                                           array(select store_id from down))
    )
    select d.store_id, d.status_since, h.hours * tstzmultirange(tstzrange(d.status_since, p_now)),
           coalesce((select sum(extract(epoch from upper(r) - lower(r)))
                     from unnest(h.hours * tstzmultirange(tstzrange(d.status_since, p_now))) r), 0) / 60
    from down d
    join hours h using (store_id)
$$;
