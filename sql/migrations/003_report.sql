-- The report's computation (see docs/report-semantics.md for the rules it implements).
--
-- report_seconds_v1(now, store_from, store_to, store_ids) returns, for every store with at least one poll at or
-- before `now` whose id is in [store_from, store_to) (NULL = unbounded) and in store_ids (NULL = all), the six
-- figures in exact seconds. One pass over a store's polls and business-hour boundaries, merged in time order:
--   * polls: each poll's status holds until the next event (LEAD); the status in force at any event is the latest
--     poll at or before it (running max of poll times per status; a tie means both statuses were polled at the
--     same instant, and inactive wins); before the first poll, the first poll's status (carried back);
--   * business hours: +1 where an interval opens, -1 where it closes (overlaps count once because only
--     "open count > 0" matters); a store without hour rows is always open;
--   * each piece [event, next event) is clipped to the hour/day/week windows and summed by status.
-- SQL (not PL/pgSQL) and STABLE, so the planner inlines it and sees the parameters as constants: chunks outside
-- the week are excluded at plan time.
create function report_seconds_v1(p_now timestamptz, p_store_from text, p_store_to text, p_store_ids text[])
returns table (
    store_id           text,
    uptime_last_hour   numeric,
    uptime_last_day    numeric,
    uptime_last_week   numeric,
    downtime_last_hour numeric,
    downtime_last_day  numeric,
    downtime_last_week numeric
)
language sql stable as $$
with polls as (
    select s.store_id, s.timestamp_utc as ts, s.status
    from store_status s
    where s.timestamp_utc <= p_now
      and (p_store_from is null or s.store_id >= p_store_from)
      and (p_store_to is null or s.store_id < p_store_to)
      and (p_store_ids is null or s.store_id = any (p_store_ids))
), hour_rows as (
    -- A missing or unknown zone name means America/Chicago; names are matched exactly, as IANA spells them.
    select h.store_id, h.day_of_week, h.start_time_local, h.end_time_local,
           coalesce(z.name, 'America/Chicago') as zone
    from store_hours h
    left join store_timezone t on t.store_id = h.store_id
    left join pg_timezone_names z on z.name = t.timezone_str
    where (p_store_from is null or h.store_id >= p_store_from)
      and (p_store_to is null or h.store_id < p_store_to)
      and (p_store_ids is null or h.store_id = any (p_store_ids))
), local_days as (
    -- Every local date whose weekday matches the row, from two days before the week window's first local date
    -- (an interval starting then can reach into the window) to the local date of `now`: at most two per row.
    select r.*, d.day
    from hour_rows r
    cross join lateral (
        select ((p_now - interval '7 days') at time zone r.zone)::date - 2 as first_day,
               (p_now at time zone r.zone)::date as last_day
    ) span
    cross join lateral (
        select span.first_day + (r.day_of_week - (extract(isodow from span.first_day)::int - 1) + 7) % 7 + 7 * k
               as day
        from generate_series(0, 1) k
    ) d
    where d.day <= span.last_day
), intervals as (
    -- Local wall times to UTC with AT TIME ZONE: an end of 23:59:59 is midnight; an end at or before the start
    -- is on the next day (start = end is 24 hours).
    select store_id,
           (day + start_time_local) at time zone zone as open_at,
           (case when end_time_local = time '23:59:59' then day + 1 + time '00:00'
                 when end_time_local <= start_time_local then day + 1 + end_time_local
                 else day + end_time_local end) at time zone zone as close_at
    from local_days
), clipped as (
    select store_id, greatest(open_at, p_now - interval '7 days') as open_at, least(close_at, p_now) as close_at
    from intervals
), events as (
    select store_id, ts, status, 0 as delta, false as hours_marker from polls
    union all
    select store_id, open_at, null, 1, true from clipped where open_at < close_at
    union all
    select store_id, close_at, null, -1, true from clipped where open_at < close_at
    union all
    -- Marks a store that has hour rows even when none of its intervals falls inside the window.
    select distinct store_id, p_now - interval '7 days', null::poll_status, 0, true from hour_rows
), pieces as (
    -- A store's first event also stands for the time before it: the carried-back first status.
    select store_id,
           case when lag(ts) over by_time is null then least(ts, p_now - interval '7 days') else ts end as ts,
           lead(ts, 1, p_now) over by_time as next_ts,
           max(ts) filter (where status = 'active') over by_time as last_up,
           max(ts) filter (where status = 'inactive') over by_time as last_down,
           min(ts) filter (where status = 'active') over whole as first_up,
           min(ts) filter (where status = 'inactive') over whole as first_down,
           sum(delta) over by_time as open_count,
           bool_or(hours_marker) over whole as has_hours
    from events
    window by_time as (partition by store_id order by ts), whole as (partition by store_id)
), judged as (
    select store_id, ts, next_ts,
           open_count > 0 or not has_hours as open,
           case when last_up is null and last_down is null
                then first_down is not null and (first_up is null or first_down <= first_up)
                else last_down is not null and (last_up is null or last_down >= last_up)
           end as down
    from pieces
    -- Every store with a poll keeps at least its last piece, which ends at `now`, so it is reported even when
    -- it had no business time at all in the week.
    where next_ts > p_now - interval '7 days'
      and (first_up is not null or first_down is not null)  -- stores with hours but no poll are not reported
), spans as (
    select store_id, open, down,
           greatest(next_ts - greatest(ts, p_now - interval '1 hour'), interval '0') as in_hour,
           greatest(next_ts - greatest(ts, p_now - interval '1 day'), interval '0') as in_day,
           next_ts - greatest(ts, p_now - interval '7 days') as in_week
    from judged
)
select store_id,
       coalesce(extract(epoch from sum(in_hour) filter (where open and not down)), 0),
       coalesce(extract(epoch from sum(in_day) filter (where open and not down)), 0),
       coalesce(extract(epoch from sum(in_week) filter (where open and not down)), 0),
       coalesce(extract(epoch from sum(in_hour) filter (where open and down)), 0),
       coalesce(extract(epoch from sum(in_day) filter (where open and down)), 0),
       coalesce(extract(epoch from sum(in_week) filter (where open and down)), 0)
from spans
group by store_id
$$;
