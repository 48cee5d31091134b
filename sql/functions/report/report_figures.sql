-- Rules 2, 9 and 12. report_figures_v1(now, store_from, store_to, store_ids, summary_until, days_from, days_to): in
-- exact seconds, for every reported store, one row with date_local null and its six figures -- uptime and downtime
-- of the last hour [now - 1 h, now], day [now - 24 h, now] and week [now - 7 d, now], the time of each window in
-- business hours and active, resp. inactive -- and, when days_from is given, one row per local date D of
-- [days_from, days_to] with its business time, uptime and downtime over [D 00:00, D + 1 00:00) local, cut at `now`
-- (zeros for a date after `now`). One pass over status_pieces_v1: pieces are summed per store and local date
-- (one group per store without days), then per store, as intervals (exact to the microsecond, and much cheaper to
-- add than numeric seconds), which become seconds at the end.
create or replace function report_figures_v1(p_now timestamptz, p_store_from text, p_store_to text,
                                             p_store_ids text[], p_summary_until timestamptz,
                                             p_days_from date default null, p_days_to date default null)
returns table (
    store_id           text,
    date_local         date,
    uptime_last_hour   numeric,
    uptime_last_day    numeric,
    uptime_last_week   numeric,
    downtime_last_hour numeric,
    downtime_last_day  numeric,
    downtime_last_week numeric,
    business_seconds   numeric,
    uptime_seconds     numeric,
    downtime_seconds   numeric
)
language sql stable as $$
with pieces as not materialized (
    -- With days, from a day before days_from (every zone's local midnight of days_from is after it), else the week.
    select p.*, p.ends_at - p.starts_at as length,
           greatest(p.ends_at - greatest(p.starts_at, p_now - interval '1 hour'), interval '0') as in_hour,
           greatest(p.ends_at - greatest(p.starts_at, p_now - interval '1 day'), interval '0') as in_day,
           greatest(p.ends_at - greatest(p.starts_at, p_now - interval '7 days'), interval '0') as in_week
    from status_pieces_v1(least(p_now - interval '7 days', (p_days_from - 1)::timestamp at time zone 'UTC'), p_now,
                          p_store_from, p_store_to, p_store_ids, p_summary_until, p_days_from is not null) p
), per_day as (
    select store_id, day_local,
           sum(in_hour) filter (where in_hours and not down) as up_hour, sum(in_day) filter (where in_hours and not down) as up_day,
           sum(in_week) filter (where in_hours and not down) as up_week, sum(in_hour) filter (where in_hours and down) as down_hour,
           sum(in_day) filter (where in_hours and down) as down_day, sum(in_week) filter (where in_hours and down) as down_week,
           sum(length) filter (where in_hours) as business, sum(length) filter (where in_hours and not down) as up, sum(length) filter (where in_hours and down) as down
    from pieces
    where p_days_from is not null
    group by store_id, day_local
)
-- Without days: the six figures straight from the pieces (the branches below fold away when planned).
select store_id, null::date,
       seconds_v1(sum(in_hour) filter (where in_hours and not down)), seconds_v1(sum(in_day) filter (where in_hours and not down)),
       seconds_v1(sum(in_week) filter (where in_hours and not down)), seconds_v1(sum(in_hour) filter (where in_hours and down)),
       seconds_v1(sum(in_day) filter (where in_hours and down)), seconds_v1(sum(in_week) filter (where in_hours and down)),
       null::numeric, null::numeric, null::numeric
from pieces
where p_days_from is null
group by store_id
union all
select store_id, null::date,
       seconds_v1(sum(up_hour)), seconds_v1(sum(up_day)), seconds_v1(sum(up_week)),
       seconds_v1(sum(down_hour)), seconds_v1(sum(down_day)), seconds_v1(sum(down_week)),
       null::numeric, null::numeric, null::numeric
from per_day
group by store_id
union all
select s.store_id, d.day::date, null, null, null, null, null, null,
       seconds_v1(f.business), seconds_v1(f.up), seconds_v1(f.down)
from (select distinct store_id from per_day) s
cross join generate_series(p_days_from::timestamp, p_days_to::timestamp, interval '1 day') d(day)
left join per_day f on f.store_id = s.store_id and f.day_local = d.day::date
$$;
