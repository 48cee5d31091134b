-- The report's units: report_rows_v4(now, store_from, store_to, store_ids, summary_until, days_from, days_to,
-- outages) is report_figures_v3 with its six figures in the CSV's units and rounding: the last hour in minutes, the
-- last day and week in hours, each rounded to 2 decimals, halves away from zero (numeric round). A store's days stay
-- in exact microseconds, its outages as they are: the view report_day gives the days in hours, rounded as these.
-- What a report stores: one report_row per store.
create or replace function report_rows_v4(p_now timestamptz, p_store_from text, p_store_to text,
                                          p_store_ids text[], p_summary_until timestamptz,
                                          p_days_from date default null, p_days_to date default null,
                                          p_outages boolean default false)
returns table (
    store_id           text,
    uptime_last_hour   numeric(8, 2),
    uptime_last_day    numeric(8, 2),
    uptime_last_week   numeric(8, 2),
    downtime_last_hour numeric(8, 2),
    downtime_last_day  numeric(8, 2),
    downtime_last_week numeric(8, 2),
    first_date         date,
    business_micros    bigint[],
    uptime_micros      bigint[],
    downtime_micros    bigint[],
    outage_starts      timestamptz[],
    outage_ends        timestamptz[]
)
language sql stable as $$
    select store_id,
           round(uptime_last_hour / 60, 2), round(uptime_last_day / 3600, 2), round(uptime_last_week / 3600, 2),
           round(downtime_last_hour / 60, 2), round(downtime_last_day / 3600, 2), round(downtime_last_week / 3600, 2),
           first_date, business_micros, uptime_micros, downtime_micros, outage_starts, outage_ends
    from report_figures_v3(p_now, p_store_from, p_store_to, p_store_ids, p_summary_until, p_days_from, p_days_to,
                           p_outages)
$$;
