-- The report's units: report_rows_v1(now, store_from, store_to, store_ids, summary_until) is report_seconds_v3 in
-- the CSV's units and rounding: the last hour in minutes, the last day and week in hours, each rounded to 2
-- decimals, halves away from zero (numeric round). What a report stores in report_row.
create or replace function report_rows_v1(p_now timestamptz, p_store_from text, p_store_to text,
                                          p_store_ids text[], p_summary_until timestamptz default null)
returns table (
    store_id           text,
    uptime_last_hour   numeric(8, 2),
    uptime_last_day    numeric(8, 2),
    uptime_last_week   numeric(8, 2),
    downtime_last_hour numeric(8, 2),
    downtime_last_day  numeric(8, 2),
    downtime_last_week numeric(8, 2)
)
language sql stable as $$
    select store_id,
           round(uptime_last_hour / 60, 2), round(uptime_last_day / 3600, 2), round(uptime_last_week / 3600, 2),
           round(downtime_last_hour / 60, 2), round(downtime_last_day / 3600, 2), round(downtime_last_week / 3600, 2)
    from report_seconds_v3(p_now, p_store_from, p_store_to, p_store_ids, p_summary_until)
$$;
