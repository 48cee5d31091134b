-- Rules 2 and 9. report_seconds_v3(now, store_from, store_to, store_ids, summary_until): every reported store's six
-- figures in exact seconds: uptime and downtime of the last hour [now - 1 h, now], day [now - 24 h, now] and week
-- [now - 7 d, now], i.e. the time of each window that is in business hours and active, resp. inactive. Sums of
-- status_pieces_v1 clipped to each window. For psql and the tests; the report stores report_rows_v1 (CSV units).
create or replace function report_seconds_v3(p_now timestamptz, p_store_from text, p_store_to text,
                                             p_store_ids text[], p_summary_until timestamptz default null)
returns table (
    store_id           text,
    uptime_last_hour   numeric,
    uptime_last_day    numeric,
    uptime_last_week   numeric,
    downtime_last_hour numeric,
    downtime_last_day  numeric,
    downtime_last_week numeric
)
language sql stable as $$
    select store_id,
           extract(epoch from coalesce(sum(greatest(ends_at - greatest(starts_at, p_now - interval '1 hour'),
                                                    interval '0')) filter (where in_hours and not down), '0')),
           extract(epoch from coalesce(sum(greatest(ends_at - greatest(starts_at, p_now - interval '1 day'),
                                                    interval '0')) filter (where in_hours and not down), '0')),
           extract(epoch from coalesce(sum(ends_at - starts_at) filter (where in_hours and not down), '0')),
           extract(epoch from coalesce(sum(greatest(ends_at - greatest(starts_at, p_now - interval '1 hour'),
                                                    interval '0')) filter (where in_hours and down), '0')),
           extract(epoch from coalesce(sum(greatest(ends_at - greatest(starts_at, p_now - interval '1 day'),
                                                    interval '0')) filter (where in_hours and down), '0')),
           extract(epoch from coalesce(sum(ends_at - starts_at) filter (where in_hours and down), '0'))
    from status_pieces_v1(p_now - interval '7 days', p_now, p_store_from, p_store_to, p_store_ids, p_summary_until,
                          false)
    group by store_id
$$;
