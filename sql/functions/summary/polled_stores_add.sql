-- polled_stores_add_v1(range_start, range_end): the registry of polled stores (polled_store) learns of every store
-- with a summary row in [range_start, range_end) and of its earliest poll instant and that instant's status
-- (inactive when polled both ways: the summary keeps an instant's inactive row, and an instant polled the other way
-- later changes a first status). A new store's latest state is provisional until polled_stores_refresh_v1 runs
-- (after every summary upkeep); reports need only the store and its first poll.
create or replace function polled_stores_add_v1(p_range_start timestamptz, p_range_end timestamptz) returns void
language sql volatile as $$
    insert into polled_store as k (store_id, first_poll_at, first_status, last_poll_at, status, status_since)
    select store_id, min(ts), (array_agg(status order by ts, status desc))[1], max(ts),
           (array_agg(status order by ts desc, status desc))[1], min(ts)
    from status_change
    where ts >= p_range_start and ts < p_range_end
    group by store_id
    on conflict (store_id) do update set first_poll_at = excluded.first_poll_at, first_status = excluded.first_status
    where excluded.first_poll_at < k.first_poll_at
       or (excluded.first_poll_at = k.first_poll_at and excluded.first_status <> k.first_status)
$$;
