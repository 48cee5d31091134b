-- A report's days (rule 12) are stored one row per store (report_store_days: the figures of its dates as arrays,
-- from its first date), instead of one row per store and date. A report with 7 days wrote 98,000 rows for 14,000
-- stores, each a heap tuple, an index entry and its WAL (most of the 30 MB of WAL such a report wrote); now 14,000.
-- Every reported store has a figure for every date asked for, so position n is first_date + n - 1.
-- report_day stays, as a view with the same columns, for psql and the readers.
create table report_store_days (
    report_id      uuid            not null,
    store_id       text            not null,
    first_date     date            not null,
    business_hours numeric(8, 2)[] not null,
    uptime_hours   numeric(8, 2)[] not null,
    downtime_hours numeric(8, 2)[] not null
);
create index report_store_days_report_idx on report_store_days (report_id);

insert into report_store_days (report_id, store_id, first_date, business_hours, uptime_hours, downtime_hours)
select report_id, store_id, min(date_local), array_agg(business_hours order by date_local),
       array_agg(uptime_hours order by date_local), array_agg(downtime_hours order by date_local)
from report_day
group by report_id, store_id;

drop table report_day;

create view report_day as
select d.report_id, d.store_id, d.first_date + (x.n - 1)::int as date_local, x.business_hours, x.uptime_hours,
       x.downtime_hours
from report_store_days d
cross join lateral unnest(d.business_hours, d.uptime_hours, d.downtime_hours)
    with ordinality as x(business_hours, uptime_hours, downtime_hours, n);
