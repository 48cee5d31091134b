-- Rules 2, 9, 11 and 12. report_figures_v2(now, store_from, store_to, store_ids, summary_until, days_from, days_to,
-- outages): in exact seconds, for every reported store, one row with date_local null and its six figures -- uptime
-- and downtime of the last hour [now - 1 h, now], day [now - 24 h, now] and week [now - 7 d, now], the time of each
-- window in business hours and active, resp. inactive -- and, when days_from is given, one row per local date D of
-- [days_from, days_to] with its business time, uptime and downtime over [D 00:00, D + 1 00:00) local, cut at `now`
-- (zeros for a date after `now`). With `outages`, also one row per outage (rule 11) with start_utc and end_utc and
-- nothing else: a maximal span of the last week [now - 7 d, now] in business hours and inactive, i.e. a run of
-- pieces in that state each starting where the one before it ends (a piece in another state between two ends a run,
-- so a store closing while down and opening again while down has two), cut at now - 7 d. The outages' lengths add
-- up to the store's downtime_last_week.
--
-- One pass over status_pieces_v3. Without days or outages the six figures are summed per store straight from the
-- pieces. With them, the pieces that count (those in hours) are kept once (cut) and summed per store and local date
-- for the days and the six figures (whose per-store sums are then the dates' sums), and their runs in hours and
-- down are the outages. Sums are of microseconds (micros_v1: exact, and much cheaper to add than intervals or
-- numeric seconds), which become seconds at the end. Only `outages` alone (report_outages_v1) skips the figures.
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
    -- From the week's start, or with days from before days_from's first local midnight (report_from_v1).
    select p.store_id, p.starts_at, p.ends_at, p.in_hours, p.down, p.day_local, m.ends - m.starts as length,
           greatest(m.ends - greatest(m.starts, micros_v1(hours_before_v1(p_now, 1))), 0) as in_hour,
           greatest(m.ends - greatest(m.starts, micros_v1(hours_before_v1(p_now, 24))), 0) as in_day,
           greatest(m.ends - greatest(m.starts, micros_v1(hours_before_v1(p_now, 168))), 0) as in_week
    from status_pieces_v3(report_from_v1(p_now, p_days_from), p_now, p_store_from, p_store_to, p_store_ids,
                          p_summary_until, p_days_from is not null) p
    cross join lateral (select micros_v1(p.starts_at) as starts, micros_v1(p.ends_at) as ends) m
), cut as materialized (
    -- What the days, the six figures and the outages are summed from: the pieces in hours (with days, also each
    -- store's first piece, so that a store never in hours is reported too); outages alone: those in hours and down.
    select store_id, starts_at, ends_at, in_hours, down, day_local, length, in_hour, in_day, in_week
    from pieces
    where (in_hours and (p_days_from is not null or (p_outages and down)))
       or (p_days_from is not null and starts_at = report_from_v1(p_now, p_days_from))
), outage_pieces as (
    -- Rule 11: the pieces in hours and down of the last week; two of them are in one outage when nothing lies between
    -- them (pieces are consecutive and never empty), so an outage is a run of pieces each starting where the one
    -- before it ends.
    select store_id, starts_at, ends_at,
           lag(ends_at) over (partition by store_id order by starts_at) is distinct from starts_at as starts_outage
    from cut
    where p_outages and in_hours and down and ends_at > hours_before_v1(p_now, 168)
), outages as (
    select store_id, greatest(min(starts_at), hours_before_v1(p_now, 168)) as start_utc, max(ends_at) as end_utc
    from (select store_id, starts_at, ends_at,
                 count(*) filter (where starts_outage) over (partition by store_id order by starts_at
                                                             rows unbounded preceding) as outage
          from outage_pieces) numbered
    group by store_id, outage
), per_day as (
    -- Per store and local date asked for, the day's figures.
    select store_id, day_local, sum(length) filter (where not down) as up, sum(length) filter (where down) as down
    from cut
    where p_days_from is not null and in_hours and day_local between p_days_from and p_days_to
    group by store_id, day_local
), per_store as materialized (
    select store_id,
           sum(in_hour) filter (where in_hours and not down) as up_hour, sum(in_day) filter (where in_hours and not down) as up_day,
           sum(in_week) filter (where in_hours and not down) as up_week, sum(in_hour) filter (where in_hours and down) as down_hour,
           sum(in_day) filter (where in_hours and down) as down_day, sum(in_week) filter (where in_hours and down) as down_week
    from cut
    where p_days_from is not null
    group by store_id
)
-- Without days: the six figures straight from the pieces (the branches that do not apply fold away when planned).
select store_id, null::date,
       seconds_v2(sum(in_hour) filter (where in_hours and not down)), seconds_v2(sum(in_day) filter (where in_hours and not down)),
       seconds_v2(sum(in_week) filter (where in_hours and not down)), seconds_v2(sum(in_hour) filter (where in_hours and down)),
       seconds_v2(sum(in_day) filter (where in_hours and down)), seconds_v2(sum(in_week) filter (where in_hours and down)),
       null::numeric, null::numeric, null::numeric, null::timestamptz, null::timestamptz
from pieces
where p_days_from is null and not p_outages
group by store_id
union all
select store_id, null::date,
       seconds_v2(up_hour), seconds_v2(up_day), seconds_v2(up_week),
       seconds_v2(down_hour), seconds_v2(down_day), seconds_v2(down_week),
       null::numeric, null::numeric, null::numeric, null::timestamptz, null::timestamptz
from per_store
union all
-- Every date asked for, for every store: a date without a piece in hours (closed, or after `now`) has zeros.
select s.store_id, d.day::date, null, null, null, null, null, null,
       seconds_v2(coalesce(p.up, 0) + coalesce(p.down, 0)), seconds_v2(p.up), seconds_v2(p.down), null, null
from per_store s
cross join lateral generate_series(p_days_from::timestamp, p_days_to::timestamp, interval '1 day') d(day)
left join per_day p on p.store_id = s.store_id and p.day_local = d.day::date
union all
select store_id, null, null, null, null, null, null, null, null, null, null, start_utc, end_utc
from outages
$$;
