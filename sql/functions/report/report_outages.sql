-- Rule 11. report_outages_v1(now, store_from, store_to, store_ids, summary_until): every outage of the reported
-- stores in the last week [now - 7 d, now], one row each, as report_figures_v3 finds them (where the rule is written)
-- without the figures. For psql and the tests; a report stores a store's outages as arrays (report_row).
create or replace function report_outages_v1(p_now timestamptz, p_store_from text, p_store_to text,
                                             p_store_ids text[], p_summary_until timestamptz default null)
returns table (store_id text, start_utc timestamptz, end_utc timestamptz)
language sql stable as $$
    select f.store_id, o.start_utc, o.end_utc
    from report_figures_v3(p_now, p_store_from, p_store_to, p_store_ids, p_summary_until, null, null, true) f
    cross join lateral unnest(f.outage_starts, f.outage_ends) as o(start_utc, end_utc)
$$;
