-- polled_stores_refresh_v1(store_ids): sets the registry's latest state of the given stores (null: all) from the
-- summary: the status of each store's newest poll instant (inactive when it was polled both ways, rule 8), since
-- when it has had that status (the first poll of the current run of it), and the time of its newest poll. A few
-- index probes per store, newest chunks first. Returns the stores updated.
create or replace function polled_stores_refresh_v1(p_store_ids text[]) returns integer
language sql volatile as $$
    with latest as (
        select k.store_id, coalesce(l.status, b.status) as status, l.ts is null as baseline_only,
               coalesce(p.at, l.ts, b.ts) as last_poll_at, b.ts as baseline_at,
               b.status as baseline_status
        from polled_store k
        left join lateral (select c.ts, c.status from status_change c where c.store_id = k.store_id
                           order by c.ts desc, c.status desc limit 1) l on true
        left join lateral (select s.timestamp_utc as at from store_status s where s.store_id = k.store_id
                           order by s.timestamp_utc desc limit 1) p on true
        left join status_change_baseline b on b.store_id = k.store_id
        where (p_store_ids is null or k.store_id in (select unnest(p_store_ids)))
          and (l.status is not null or b.status is not null)
    ), turned as (
        -- The newest instant with the other status: an inactive row, or an active row with no inactive row at the
        -- same instant (an instant polled both ways counts as inactive).
        select l.*,
               (select c.ts from status_change c
                where c.store_id = l.store_id and c.status <> l.status
                  and (c.status = 'inactive'
                       or not exists (select from status_change i
                                      where i.store_id = c.store_id and i.ts = c.ts and i.status = 'inactive'))
                order by c.ts desc limit 1) as turned_at
        from latest l
    ), run as (
        select t.store_id, t.status, t.last_poll_at,
               case when t.baseline_only then t.baseline_at
                    when t.turned_at is null and t.baseline_status = t.status then t.baseline_at
                    else coalesce((select c.ts from status_change c
                                   where c.store_id = t.store_id and c.ts > coalesce(t.turned_at, '-infinity')
                                   order by c.ts limit 1), t.baseline_at) end as since
        from turned t
    ), updated as (
        update polled_store k
        set status = r.status, status_since = coalesce(r.since, k.status_since),
            last_poll_at = r.last_poll_at
        from run r
        where k.store_id = r.store_id
          and (k.status, k.status_since, k.last_poll_at) is distinct from (r.status, r.since, r.last_poll_at)
        returning 1
    )
    select count(*)::int from updated
$$;
