-- A report's days (rule 12) and outages (rule 11) are stored on its stores' rows (report_row), as arrays: a shard
-- inserts one row per store and nothing else. report_store_days and report_outage each cost a heap tuple, an index
-- entry and their WAL per store (per outage: 28,000 rows for the default sample's week); with them a report with days
-- and its outages took 3 times as long to store as one without (measured: 170-280 ms against 45-80 ms, one thread).
-- * Days: the business time, uptime and downtime of each local date asked for, from first_date (position n:
--   first_date + n - 1), in exact microseconds; the view report_day gives them in hours, rounded to 2 decimals as
--   the CSV has them. The stored hours of older reports become the microseconds of those hours (so the view gives
--   back what they were).
-- * Outages: starts and ends in order, the i-th of each bounding the i-th outage; null when the store has none, or
--   while the report's outages are not computed (report.outages_at null). The view report_outage gives one row each.
-- report_day and report_outage keep their names and columns, for psql and the readers.
alter table report_row
    add column first_date       date,
    add column business_micros  bigint[],
    add column uptime_micros    bigint[],
    add column downtime_micros  bigint[],
    add column outage_starts    timestamptz[],
    add column outage_ends      timestamptz[];

update report_row r
set first_date = d.first_date,
    business_micros = array(select (h * 3600000000)::bigint from unnest(d.business_hours) with ordinality x(h, n)
                            order by n),
    uptime_micros = array(select (h * 3600000000)::bigint from unnest(d.uptime_hours) with ordinality x(h, n)
                          order by n),
    downtime_micros = array(select (h * 3600000000)::bigint from unnest(d.downtime_hours) with ordinality x(h, n)
                            order by n)
from report_store_days d
where d.report_id = r.report_id and d.store_id = r.store_id;

update report_row r
set outage_starts = o.starts, outage_ends = o.ends
from (select report_id, store_id, array_agg(start_utc order by start_utc) as starts,
             array_agg(end_utc order by start_utc) as ends
      from report_outage
      group by report_id, store_id) o
where o.report_id = r.report_id and o.store_id = r.store_id;

drop view report_day;
drop table report_store_days;
drop table report_outage;

create view report_day as
select r.report_id, r.store_id, r.first_date + (x.n - 1)::int as date_local,
       round(x.business * 0.000001 / 3600, 2)::numeric(8, 2) as business_hours,
       round(x.uptime * 0.000001 / 3600, 2)::numeric(8, 2) as uptime_hours,
       round(x.downtime * 0.000001 / 3600, 2)::numeric(8, 2) as downtime_hours
from report_row r
cross join lateral unnest(r.business_micros, r.uptime_micros, r.downtime_micros)
    with ordinality as x(business, uptime, downtime, n);

create view report_outage as
select r.report_id, r.store_id, o.start_utc, o.end_utc
from report_row r
cross join lateral unnest(r.outage_starts, r.outage_ends) as o(start_utc, end_utc);

-- report_figures_v3 and report_rows_v4 (sql/functions/report) give a store's days and outages as these arrays (on a
-- database made before them, the old functions are there to drop).
drop function if exists report_rows_v3(timestamptz, text, text, text[], timestamptz, date, date, boolean);
drop function if exists report_figures_v2(timestamptz, text, text, text[], timestamptz, date, date, boolean);
