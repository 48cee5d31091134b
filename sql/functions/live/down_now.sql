-- Which stores are down now while they should be open: stores_down_now_v1(now, store_ids) lists every store among
-- store_ids (null: all) whose newest poll is inactive (the registry, polled_store: only the newest state of each
-- store is read, never the polls) and that is in business hours at `now` (rules 5 and 10), with since when it has
-- been down (the poll that began its run of inactive polls) and its newest poll, newest first.
create or replace function stores_down_now_v1(p_now timestamptz, p_store_ids text[] default null)
returns table (store_id text, down_since timestamptz, last_poll_at timestamptz)
language sql stable as $$
    with down as (
        select k.store_id, k.status_since, k.last_poll_at
        from polled_store k
        where k.status = 'inactive' and k.status_since <= p_now
          and (p_store_ids is null or k.store_id in (select unnest(p_store_ids)))
    )
    select d.store_id, d.status_since, d.last_poll_at
    from down d
    join business_hours_of_v1(p_now - interval '1 microsecond', p_now, array(select store_id from down)) h
      on h.store_id = d.store_id
    where not isempty(h.hours)
    order by d.last_poll_at desc, d.store_id
$$;
