-- The report's units: report_rows_v3(now, store_from, store_to, store_ids, summary_until, days_from, days_to,
-- outages) is report_figures_v2 in the CSVs' units and rounding: the last hour in minutes, the last day and week in
-- hours, and the days' figures in hours, each rounded to 2 decimals, halves away from zero (numeric round); outages
-- as they are. What a report stores (report_row; report_store_days, per store, for the rows with a date;
-- report_outage for those with a start_utc).
create or replace function report_rows_v3(p_now timestamptz, p_store_from text, p_store_to text,
                                          p_store_ids text[], p_summary_until timestamptz,
                                          p_days_from date default null, p_days_to date default null,
                                          p_outages boolean default false)
returns table (
    store_id           text,
    date_local         date,
    uptime_last_hour   numeric(8, 2),
    uptime_last_day    numeric(8, 2),
    uptime_last_week   numeric(8, 2),
    downtime_last_hour numeric(8, 2),
    downtime_last_day  numeric(8, 2),
    downtime_last_week numeric(8, 2),
    business_hours     numeric(8, 2),
    uptime_hours       numeric(8, 2),
    downtime_hours     numeric(8, 2),
    start_utc          timestamptz,
    end_utc            timestamptz
)
language sql stable as $$
    select store_id, date_local,
           round(uptime_last_hour / 60, 2), round(uptime_last_day / 3600, 2), round(uptime_last_week / 3600, 2),
           round(downtime_last_hour / 60, 2), round(downtime_last_day / 3600, 2), round(downtime_last_week / 3600, 2),
           round(business_seconds / 3600, 2), round(uptime_seconds / 3600, 2), round(downtime_seconds / 3600, 2),
           start_utc, end_utc
    from report_figures_v2(p_now, p_store_from, p_store_to, p_store_ids, p_summary_until, p_days_from, p_days_to,
                           p_outages)
$$;
