-- Rules 3, 7 and 8, and the time line every figure is summed from. status_pieces_v2(from, now, store_from, store_to,
-- store_ids, summary_until, local_days, runs): for every store with a poll at or before `now` (rule 3) among the stores
-- in [store_from, store_to) and store_ids (nulls: all), consecutive pieces [starts_at, ends_at) covering [from, now]
-- exactly, each with one business-hours state (in_hours, rule 5/10 via business_intervals_v1) and one status (down:
-- inactive). The report's figures (report_seconds_v3), outages (report_outages_v1), days (rule 12) and the store
-- page's time line are sums and runs of these pieces. Pieces are cut wherever the status changes, a business
-- interval opens or closes or (with local_days) a local midnight of the store's zone falls, so neighbours may have
-- the same state.
--
-- * Status (rule 7): a piece's status is the latest poll's at or before its start, among report_polls_v3's rows
--   (those before `from` that give the status there, or a first status carried back, then the polls or stand-ins
--   for them).
--   Rule 8: the polls of one instant are peers in the window (ordered by time only), so when an instant was polled
--   both ways, `last_down = last_poll` and the instant counts as inactive. Exact duplicates change nothing.
-- * Business hours: +1 where an interval opens, -1 where it closes, and -1000 at `from` for a store that has hour
--   rows, so "in hours" is "running sum > -1000": a store with rows is open while one of its intervals is, a store
--   without rows always.
-- * local_days: every piece also carries the local date it lies in (day_local; null without local_days).
-- * runs (rule 11): every piece also carries its run, the number of pieces up to it that are not both in hours and
--   down, so that the pieces of one outage share a store and a run (null without runs). Counted over the time line's
--   own order, which the planner knows: no second sort. Without runs the CASE folds away with its window.
-- Plain SQL and STABLE: inlined into the caller, so `from`, `now`, the store range and summary_until are constants
-- when the statement is planned (chunks outside [from, now] are excluded).
create or replace function status_pieces_v2(p_from timestamptz, p_now timestamptz, p_store_from text, p_store_to text,
                                            p_store_ids text[], p_summary_until timestamptz, p_local_days boolean,
                                            p_runs boolean)
returns table (store_id text, starts_at timestamptz, ends_at timestamptz, in_hours boolean, down boolean,
               day_local date, run bigint)
language sql stable as $$
with polls as (
    -- Only the rows where a store's status changes cut pieces: the rest (most of the summary's rows: each day's
    -- first poll) are dropped by one LAG. Ties at one instant are ordered active before inactive, so an instant
    -- polled both ways keeps its inactive row last.
    select store_id, ts, status
    from (select r.*, lag(r.status) over (partition by r.store_id order by r.ts, r.status) as previous
          from report_polls_v3(p_from, p_now, p_store_from, p_store_to, p_store_ids, p_summary_until) r) o
    where previous is distinct from status
), hours as (
    select * from business_intervals_v1(p_from, p_now, p_store_from, p_store_to, p_store_ids)
), store_zones as (
    select s.store_id, z.zone
    from (select distinct store_id from polls) s
    left join store_timezone t on t.store_id = s.store_id
    cross join lateral store_zone_v1(t.timezone_str) z
    where p_local_days
), midnights as materialized (
    -- Rule 12: per zone, each local midnight from the one at or before `from` to `now`, converted once.
    select zone, day::date as day, day at time zone zone as at
    from (select distinct zone from store_zones) zones
    cross join lateral generate_series((p_from at time zone zone)::date::timestamp,
                                       (p_now at time zone zone)::date::timestamp, interval '1 day') day
), events as (
    select store_id, ts, status, 0 as delta, null::date as day from polls
    union all
    select store_id, open_at, null, 1, null from hours where open_at is not null
    union all
    select store_id, close_at, null, -1, null from hours where open_at is not null
    union all
    select store_id, p_from, null, -1000, null from hours where open_at is null
    union all
    select z.store_id, m.at, null, 0, m.day from store_zones z join midnights m using (zone) where m.at <= p_now
), timeline as (
    select store_id, ts, lead(ts, 1, p_now) over by_time as next_ts,
           max(ts) filter (where status is not null) over by_time as last_poll,
           max(ts) filter (where status = 'inactive') over by_time as last_down,
           sum(delta) over by_time > -1000 as in_hours,
           -- Without local_days a constant null, so that grouping by it costs nothing.
           case when p_local_days then max(day) over by_time end as day_local
    from events
    window by_time as (partition by store_id order by ts)
), pieces as (
    select store_id, ts, next_ts, in_hours, last_down is not distinct from last_poll as down, day_local
    from timeline
    where last_poll is not null  -- rule 3: a store with hours but no poll is not reported
      and next_ts > greatest(ts, p_from)
)
select store_id, greatest(ts, p_from), next_ts, in_hours, down, day_local,
       case when p_runs then count(*) filter (where not (in_hours and down))
                                over (partition by store_id order by ts rows unbounded preceding) end
from pieces
$$;
