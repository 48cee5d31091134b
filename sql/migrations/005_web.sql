-- Functions of the web pages (app/web): one store's business hours and status over a stretch of time, as
-- intervals to draw. They apply the report's rules (docs/report-semantics.md) exactly as report_seconds_v1 does,
-- and tests/test_web_sql.py checks that summing them over the report's windows gives the report's figures.

-- store_business_intervals_v1(store, from, to): the store's business hours inside [from, to] as UTC intervals,
-- overlaps merged, in time order. A store without hour rows is open the whole time (one interval).
create function store_business_intervals_v1(p_store_id text, p_from timestamptz, p_to timestamptz)
returns table (open_at timestamptz, close_at timestamptz)
language sql stable as $$
with hour_rows as (
    -- A missing or unknown zone name means America/Chicago, as in report_seconds_v1.
    select h.day_of_week, h.start_time_local, h.end_time_local, coalesce(z.name, 'America/Chicago') as zone
    from store_hours h
    left join store_timezone t on t.store_id = h.store_id
    left join pg_timezone_names z on z.name = t.timezone_str
    where h.store_id = p_store_id
), local_days as (
    -- Every local date with the row's weekday from two days before the first local date of `from` (an interval
    -- starting then can reach into it) to the local date of `to`.
    select r.*, d.day
    from hour_rows r
    cross join lateral generate_series(((p_from at time zone r.zone)::date - 2)::timestamp,
                                       (p_to at time zone r.zone)::date::timestamp, interval '1 day') as g(day_ts)
    cross join lateral (select g.day_ts::date as day) d
    where extract(isodow from d.day)::int - 1 = r.day_of_week
), intervals as (
    -- 23:59:59 is midnight; an end at or before the start is on the next day (start = end is 24 hours).
    select (day + start_time_local) at time zone zone as open_at,
           (case when end_time_local = time '23:59:59' then day + 1 + time '00:00'
                 when end_time_local <= start_time_local then day + 1 + end_time_local
                 else day + end_time_local end) at time zone zone as close_at
    from local_days
), merged as (
    select range_agg(tstzrange(open_at, close_at)) * tstzmultirange(tstzrange(p_from, p_to)) as hours
    from intervals
    where open_at < close_at
)
select lower(r), upper(r)
from merged, unnest(merged.hours) as r
where exists (select 1 from hour_rows)
union all
select p_from, p_to
where p_from < p_to and not exists (select 1 from hour_rows)
order by 1
$$;

-- store_status_segments_v1(store, from, to): the store's status over [from, to] from its polls at or before `to`,
-- as maximal segments of one status in time order. Each poll's status holds until the next poll; the status at
-- `from` is the last earlier poll's, or, before the first poll at all, the first poll's (carried back). Polls at
-- one instant with both statuses count as inactive. No rows when the store has no poll at or before `to`.
create function store_status_segments_v1(p_store_id text, p_from timestamptz, p_to timestamptz)
returns table (starts_at timestamptz, ends_at timestamptz, status poll_status)
language sql stable as $$
with start_poll as (
    select max(timestamp_utc) as ts
    from store_status
    where store_id = p_store_id and timestamp_utc <= p_from
), instants as (
    -- poll_status orders active before inactive, so max() is the "inactive wins" rule.
    select s.timestamp_utc as ts, max(s.status) as status
    from store_status s, start_poll
    where s.store_id = p_store_id and s.timestamp_utc <= p_to
      and s.timestamp_utc >= coalesce(start_poll.ts, '-infinity')
    group by s.timestamp_utc
), changes as (
    select ts, status, lag(status) over (order by ts) as previous, row_number() over (order by ts) as n
    from instants
), kept as (
    select case when n = 1 then p_from else ts end as starts_at, status
    from changes
    where previous is distinct from status
)
select starts_at, ends_at, status
from (select starts_at, lead(starts_at, 1, p_to) over (order by starts_at) as ends_at, status from kept) segments
where p_from < p_to and starts_at < ends_at  -- a poll exactly at `to` starts nothing
order by starts_at
$$;
