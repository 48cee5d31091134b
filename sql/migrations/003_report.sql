-- The report's computation (see docs/report-semantics.md for the rules it implements).
--
-- report_seconds_v1(now, store_from, store_to, store_ids) returns, for every store with at least one poll at or
-- before `now` whose id is in [store_from, store_to) (NULL = unbounded) and in store_ids (NULL = all), the six
-- figures in exact seconds. One pass over a store's polls and business-hour boundaries, merged in time order:
--   * polls: only status changes are kept; each holds until the next event (LEAD); the status in force at any
--     event is the latest poll's at or before it (a tie means both statuses were polled at the same instant, and
--     inactive wins); before the first poll, the first poll's status (carried back);
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
    -- Only the polls where a store's status changes matter (about 1 in 20): the index yields each store's polls
    -- in (time, status) order, so one LAG over it finds them without sorting. Ties at one instant are ordered
    -- active before inactive, so the instant's effective status (inactive wins) is the one compared next.
    select store_id, ts, status
    from (
        select s.store_id, s.timestamp_utc as ts, s.status,
               lag(s.status) over (partition by s.store_id order by s.timestamp_utc, s.status) as previous
        from store_status s
        where s.timestamp_utc <= p_now
          and (p_store_from is null or s.store_id >= p_store_from)
          and (p_store_to is null or s.store_id < p_store_to)
          and (p_store_ids is null or s.store_id = any (p_store_ids))
    ) ordered
    where previous is distinct from status
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
), zone_spans as materialized (
    -- Per zone, the local dates to look at: from two days before the week window's first local date (an
    -- interval starting then can reach into the window) to the local date of `now`. Materialized: inlined, the
    -- planner would redo these zone lookups for every hour row.
    select zone, ((p_now - interval '7 days') at time zone zone)::date - 2 as first_day,
           (p_now at time zone zone)::date as last_day
    from (select distinct zone from hour_rows) zones
), local_days as (
    -- Every local date in the zone's span whose weekday matches the row: at most two per row.
    select r.*, d.day
    from hour_rows r
    join zone_spans span using (zone)
    cross join lateral (
        select span.first_day + (r.day_of_week - (extract(isodow from span.first_day)::int - 1) + 7) % 7 + 7 * k
               as day
        from generate_series(0, 1) k
    ) d
    where d.day <= span.last_day
), local_bounds as (
    -- Local wall-clock bounds; an end of 23:59:59 is midnight; an end at or before the start is on the next day
    -- (start = end is 24 hours).
    select store_id, zone, day + start_time_local as open_local,
           case when end_time_local = time '23:59:59' then day + 1 + time '00:00'
                when end_time_local <= start_time_local then day + 1 + end_time_local
                else day + end_time_local end as close_local
    from local_days
), instants as (
    -- Local to UTC with AT TIME ZONE, once per distinct (zone, wall time): thousands of stores share a handful
    -- of opening times, and a zone lookup per row costs more than this join.
    select zone, local, local at time zone zone as utc
    from (select zone, open_local as local from local_bounds
          union
          select zone, close_local from local_bounds) distinct_local
), clipped as (
    select b.store_id, greatest(o.utc, p_now - interval '7 days') as open_at, least(c.utc, p_now) as close_at
    from local_bounds b
    join instants o on o.zone = b.zone and o.local = b.open_local
    join instants c on c.zone = b.zone and c.local = b.close_local
), events as (
    -- delta: +1 where a business interval opens, -1 where one closes, and -1000 once at the week's start for
    -- a store with hour rows; so "open" is simply "running sum > -1000": a store with hours is open while at
    -- least one interval is, a store without hours (running sum 0) always.
    select store_id, ts, status, 0 as delta from polls
    union all
    select store_id, open_at, null, 1 from clipped where open_at < close_at
    union all
    select store_id, close_at, null, -1 from clipped where open_at < close_at
    union all
    select distinct store_id, p_now - interval '7 days', null::poll_status, -1000 from hour_rows
), pieces as (
    -- Each event starts a piece that lasts to the next event (or `now`). Its status is the latest poll's at or
    -- before it: down when the latest inactive poll is the latest poll (a tie is an instant polled both ways:
    -- inactive wins). Pieces before the store's first poll have no status yet (last_poll is null).
    select store_id, ts, status,
           lead(ts, 1, p_now) over by_time as next_ts,
           max(ts) filter (where status is not null) over by_time as last_poll,
           max(ts) filter (where status = 'inactive') over by_time as last_down,
           sum(delta) over by_time > -1000 as open
    from events
    window by_time as (partition by store_id order by ts)
), spans as (
    select store_id, ts, status,
           case when last_poll is not null then last_down is not distinct from last_poll end as down,
           case when open then greatest(next_ts - greatest(ts, p_now - interval '1 hour'), interval '0') end
               as in_hour,
           case when open then greatest(next_ts - greatest(ts, p_now - interval '1 day'), interval '0') end
               as in_day,
           case when open then greatest(next_ts - greatest(ts, p_now - interval '7 days'), interval '0') end
               as in_week
    from pieces
), per_store as (
    select store_id,
           min(ts) filter (where status = 'inactive') as first_down_at,
           min(ts) filter (where status = 'active') as first_up_at,
           min(ts) as first_event,
           sum(in_hour) filter (where down) as down_hour, sum(in_day) filter (where down) as down_day,
           sum(in_week) filter (where down) as down_week, sum(in_hour) filter (where not down) as up_hour,
           sum(in_day) filter (where not down) as up_day, sum(in_week) filter (where not down) as up_week,
           sum(in_hour) filter (where down is null) as pre_hour, sum(in_day) filter (where down is null) as pre_day,
           sum(in_week) filter (where down is null) as pre_week
    from spans
    group by store_id
), carried as (
    -- Time before the first poll takes the first poll's status: the status-less pieces, plus, for a store
    -- without hours whose first event is its first poll, the open time between the window start and it.
    select store_id, up_hour, up_day, up_week, down_hour, down_day, down_week,
           first_down_at <= coalesce(first_up_at, 'infinity') as first_down,
           coalesce(pre_hour, interval '0') + greatest(first_event - (p_now - interval '1 hour'), interval '0')
               as pre_hour,
           coalesce(pre_day, interval '0') + greatest(first_event - (p_now - interval '1 day'), interval '0')
               as pre_day,
           coalesce(pre_week, interval '0') + greatest(first_event - (p_now - interval '7 days'), interval '0')
               as pre_week
    from per_store
    where first_down_at is not null or first_up_at is not null  -- stores with hours but no poll: not reported
)
select store_id,
       extract(epoch from coalesce(up_hour, interval '0') + case when first_down then interval '0' else pre_hour end),
       extract(epoch from coalesce(up_day, interval '0') + case when first_down then interval '0' else pre_day end),
       extract(epoch from coalesce(up_week, interval '0') + case when first_down then interval '0' else pre_week end),
       extract(epoch from coalesce(down_hour, interval '0') + case when first_down then pre_hour else interval '0' end),
       extract(epoch from coalesce(down_day, interval '0') + case when first_down then pre_day else interval '0' end),
       extract(epoch from coalesce(down_week, interval '0') + case when first_down then pre_week else interval '0' end)
from carried
$$;

-- The newest poll: the default as_of. store_status has no index on time alone, so max(timestamp_utc) would read
-- every chunk; the newest poll is in the newest non-empty chunk, so read chunks newest first and stop at the
-- first that has a row (one chunk, a few milliseconds, in practice).
create function newest_poll_v1() returns timestamptz
language plpgsql stable as $$
declare
    chunk text;
    newest timestamptz;
begin
    for chunk in
        select format('%I.%I', c.chunk_schema, c.chunk_name)
        from timescaledb_information.chunks c
        where c.hypertable_schema = current_schema() and c.hypertable_name = 'store_status'
        order by c.range_end desc
    loop
        execute format('select max(timestamp_utc) from %s', chunk) into newest;
        if newest is not null then
            return newest;
        end if;
    end loop;
    return null;
end
$$;
