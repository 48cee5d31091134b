-- polled_stores_recheck_v1(range_start, range_end): after summary rows in [range_start, range_end) were rewritten
-- or dropped, the registry's stores whose first poll was there get it found again in the summary (or in what
-- retention kept), with its status, or leave the registry when no poll of theirs is left.
create or replace function polled_stores_recheck_v1(p_range_start timestamptz, p_range_end timestamptz)
returns void
language sql volatile as $$
    with moved as (
        select k.store_id, f.ts as first_poll_at, f.status as first_status
        from polled_store k
        left join lateral (
            (select c.ts, c.status from status_change c where c.store_id = k.store_id order by c.ts, c.status desc
             limit 1)
            union all
            (select b.ts, b.status from status_change_baseline b where b.store_id = k.store_id)
            limit 1) f on true
        where k.first_poll_at >= p_range_start and k.first_poll_at < p_range_end
    ), gone as (
        delete from polled_store k using moved m where k.store_id = m.store_id and m.first_poll_at is null
    )
    update polled_store k set first_poll_at = m.first_poll_at, first_status = m.first_status
    from moved m
    where k.store_id = m.store_id and m.first_poll_at is not null
      and (m.first_poll_at, m.first_status) is distinct from (k.first_poll_at, k.first_status)
$$;
