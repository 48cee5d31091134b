-- report_seconds_v3(now, store_from, store_to, store_ids, summary_until): every reported store's six figures in
-- exact seconds (report_figures_v3 without days or outages), for psql and the tests; reports store report_rows_v4.
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
    select store_id, uptime_last_hour, uptime_last_day, uptime_last_week, downtime_last_hour, downtime_last_day,
           downtime_last_week
    from report_figures_v3(p_now, p_store_from, p_store_to, p_store_ids, p_summary_until)
$$;
