-- Rules 2, 9, 11 and 12. report_figures_v2(now, store_from, store_to, store_ids, summary_until, days_from, days_to,
-- outages): in exact seconds, for every reported store, one row with date_local null and its six figures -- uptime
-- and downtime of the last hour [now - 1 h, now], day [now - 24 h, now] and week [now - 7 d, now], the time of each
-- window in business hours and active, resp. inactive -- and, when days_from is given, one row per local date D of
-- [days_from, days_to] with its business time, uptime and downtime over [D 00:00, D + 1 00:00) local, cut at `now`
-- (zeros for a date after `now`). With `outages`, also one row per outage (rule 11) with start_utc and end_utc and
-- nothing else: a maximal span of the last week [now - 7 d, now] in business hours and inactive, i.e. a run of
-- pieces in that state (a piece in another state ends a run, so a store closing while down and opening again while
-- down has two), cut at now - 7 d. The outages' lengths add up to the store's downtime_last_week.
--
-- One pass over status_pieces_v1: pieces are summed per store and local date (one group per store without days),
-- then per store, as intervals (exact to the microsecond, and much cheaper to add than numeric seconds), which
-- become seconds at the end; the outages are runs of the same pieces. Only `outages` alone (report_outages_v1)
-- skips the figures.
create or replace function report_figures_v2(p_now timestamptz, p_store_from text, p_store_to text,
                                             p_store_ids text[], p_summary_until timestamptz,
                                             p_days_from date default null, p_days_to date default null,
                                             p_outages boolean default false)
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
    downtime_seconds   numeric,
    start_utc          timestamptz,
    end_utc            timestamptz
)
language sql stable as $$
with pieces as not materialized (
    -- With days, from a day before days_from (every zone's local midnight of days_from is after it), else the week.
    select p.*, p.ends_at - p.starts_at as length,
           greatest(p.ends_at - greatest(p.starts_at, hours_before_v1(p_now, 1)), interval '0') as in_hour,
           greatest(p.ends_at - greatest(p.starts_at, hours_before_v1(p_now, 24)), interval '0') as in_day,
           greatest(p.ends_at - greatest(p.starts_at, hours_before_v1(p_now, 168)), interval '0') as in_week
    from status_pieces_v1(least(hours_before_v1(p_now, 168), (p_days_from - 1)::timestamp at time zone 'UTC'), p_now,
                          p_store_from, p_store_to, p_store_ids, p_summary_until, p_days_from is not null) p
), marked as (
    -- With days or outages: each piece with its run, the number of pieces not both in hours and down up to it.
    select p.*, count(*) filter (where not (in_hours and down)) over (partition by store_id order by starts_at) as run
    from pieces p
    where p_days_from is not null or p_outages
), outages as (
    select store_id, greatest(min(starts_at), hours_before_v1(p_now, 168)) as start_utc, max(ends_at) as end_utc
    from marked
    where p_outages and in_hours and down and ends_at > hours_before_v1(p_now, 168)
    group by store_id, run
), per_day as (
    select store_id, day_local,
           sum(in_hour) filter (where in_hours and not down) as up_hour, sum(in_day) filter (where in_hours and not down) as up_day,
           sum(in_week) filter (where in_hours and not down) as up_week, sum(in_hour) filter (where in_hours and down) as down_hour,
           sum(in_day) filter (where in_hours and down) as down_day, sum(in_week) filter (where in_hours and down) as down_week,
           sum(length) filter (where in_hours) as business, sum(length) filter (where in_hours and not down) as up, sum(length) filter (where in_hours and down) as down
    from marked
    where p_days_from is not null
    group by store_id, day_local
)
-- Without days: the six figures straight from the pieces (the branches that do not apply fold away when planned).
select store_id, null::date,
       seconds_v1(sum(in_hour) filter (where in_hours and not down)), seconds_v1(sum(in_day) filter (where in_hours and not down)),
       seconds_v1(sum(in_week) filter (where in_hours and not down)), seconds_v1(sum(in_hour) filter (where in_hours and down)),
       seconds_v1(sum(in_day) filter (where in_hours and down)), seconds_v1(sum(in_week) filter (where in_hours and down)),
       null::numeric, null::numeric, null::numeric, null::timestamptz, null::timestamptz
from pieces
where p_days_from is null and not p_outages
group by store_id
union all
select store_id, null::date,
       seconds_v1(sum(up_hour)), seconds_v1(sum(up_day)), seconds_v1(sum(up_week)),
       seconds_v1(sum(down_hour)), seconds_v1(sum(down_day)), seconds_v1(sum(down_week)),
       null::numeric, null::numeric, null::numeric, null::timestamptz, null::timestamptz
from per_day
group by store_id
union all
select s.store_id, d.day::date, null, null, null, null, null, null,
       seconds_v1(f.business), seconds_v1(f.up), seconds_v1(f.down), null, null
from (select distinct store_id from per_day) s
cross join generate_series(p_days_from::timestamp, p_days_to::timestamp, interval '1 day') d(day)
left join per_day f on f.store_id = s.store_id and f.day_local = d.day::date
union all
select store_id, null, null, null, null, null, null, null, null, null, null, start_utc, end_utc
from outages
$$;
