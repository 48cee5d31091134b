-- Rules 2, 9 and 12. report_figures_v1(now, store_from, store_to, store_ids, summary_until, days_from, days_to): in
-- exact seconds, for every reported store, one row with date_local null and its six figures -- uptime and downtime
-- of the last hour [now - 1 h, now], day [now - 24 h, now] and week [now - 7 d, now], the time of each window in
-- business hours and active, resp. inactive -- and, when days_from is given, one row per local date D of
-- [days_from, days_to] with its business time, uptime and downtime over [D 00:00, D + 1 00:00) local, cut at `now`
-- (zeros for a date after `now`). One pass over status_pieces_v1: pieces are summed per store and local date
-- (one group per store without days), then per store.
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
with pieces as (
    -- With days, from a day before days_from (every zone's local midnight of days_from is after it), else the week.
    select p.*, extract(epoch from p.ends_at - p.starts_at) as seconds,
           extract(epoch from p.ends_at - greatest(p.starts_at, p_now - interval '7 days')) as week_seconds
    from status_pieces_v1(least(p_now - interval '7 days', (p_days_from - 1)::timestamp at time zone 'UTC'), p_now,
                          p_store_from, p_store_to, p_store_ids, p_summary_until, p_days_from is not null) p
), per_day as (
    select store_id, day_local,
           sum(greatest(extract(epoch from ends_at - greatest(starts_at, p_now - interval '1 hour')), 0))
               filter (where in_hours and not down) as up_hour,
           sum(greatest(extract(epoch from ends_at - greatest(starts_at, p_now - interval '1 day')), 0))
               filter (where in_hours and not down) as up_day,
           sum(greatest(week_seconds, 0)) filter (where in_hours and not down) as up_week,
           sum(greatest(extract(epoch from ends_at - greatest(starts_at, p_now - interval '1 hour')), 0))
               filter (where in_hours and down) as down_hour,
           sum(greatest(extract(epoch from ends_at - greatest(starts_at, p_now - interval '1 day')), 0))
               filter (where in_hours and down) as down_day,
           sum(greatest(week_seconds, 0)) filter (where in_hours and down) as down_week,
           sum(seconds) filter (where in_hours) as business,
           sum(seconds) filter (where in_hours and not down) as up,
           sum(seconds) filter (where in_hours and down) as down
    from pieces
    group by store_id, day_local
)
select store_id, null::date,
       coalesce(sum(up_hour), 0), coalesce(sum(up_day), 0), coalesce(sum(up_week), 0),
       coalesce(sum(down_hour), 0), coalesce(sum(down_day), 0), coalesce(sum(down_week), 0),
       null::numeric, null::numeric, null::numeric
from per_day
group by store_id
union all
select s.store_id, d.day::date, null, null, null, null, null, null,
       coalesce(f.business, 0), coalesce(f.up, 0), coalesce(f.down, 0)
from (select distinct store_id from per_day) s
cross join generate_series(p_days_from::timestamp, p_days_to::timestamp, interval '1 day') d(day)
left join per_day f on f.store_id = s.store_id and f.day_local = d.day::date
where p_days_from is not null
$$;
