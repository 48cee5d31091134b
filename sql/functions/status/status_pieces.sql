-- Rules 3, 7 and 8, and the time line every figure is summed from. status_pieces_v3(from, now, store_from, store_to,
-- store_ids, summary_until, local_days): for every store with a poll at or before `now` (rule 3) among the stores in
-- [store_from, store_to) and store_ids (nulls: all), consecutive pieces [starts_at, ends_at) covering [from, now]
-- exactly, each with one business-hours state (in_hours, rule 5/10 via business_intervals_v2) and one status (down:
-- inactive). The report's figures (report_seconds_v3), outages (report_outages_v1), days (rule 12) and the store
-- page's time line are sums and runs of these pieces. Pieces are cut wherever the status changes or a business
-- interval opens or closes, so neighbours may have the same state.
--
-- * Status (rule 7): a piece's status is the latest poll's at or before its start, among report_polls_v3's rows
--   (those before `from` that give the status there, or a first status carried back, then the polls or stand-ins
--   for them).
--   Rule 8: the polls of one instant are peers in the window (ordered by time only), so when an instant was polled
--   both ways, `last_down = last_poll` and the instant counts as inactive. Exact duplicates change nothing.
-- * Business hours: +1 where an interval opens, -1 where it closes, and -1000 at `from` for a store that has hour
--   rows, so "in hours" is "running sum > -1000": a store with rows is open while one of its intervals is, a store
--   without rows always.
-- * local_days (rule 12): every piece in business hours also lies within one local date of the store's zone, which
--   it carries (day_local; null out of hours, and without local_days). The intervals are cut at local midnights
--   (business_intervals_v2), and their opening events carry their date: a piece in hours lies in an interval that
--   opened at or before its start on its own date, and every interval opened since opened on that date too, so the
--   latest date opened so far is the piece's. A store without rows is in hours all the time: its local midnights
--   are events carrying their dates instead.
-- Plain SQL and STABLE: inlined into the caller, so `from`, `now`, the store range and summary_until are constants
-- when the statement is planned (chunks outside [from, now] are excluded).
create or replace function status_pieces_v3(p_from timestamptz, p_now timestamptz, p_store_from text, p_store_to text,
                                            p_store_ids text[], p_summary_until timestamptz, p_local_days boolean)
returns table (store_id text, starts_at timestamptz, ends_at timestamptz, in_hours boolean, down boolean,
               day_local date)
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
    select * from business_intervals_v2(p_from, p_now, p_store_from, p_store_to, p_store_ids, p_local_days)
), all_day_zones as (
    -- With local_days, the stores without hour rows, with their zones.
    select s.store_id, z.zone
    from (select distinct store_id from polls where p_local_days
          except
          select store_id from hours where open_at is null) s
    left join store_timezone t on t.store_id = s.store_id
    cross join lateral store_zone_v1(t.timezone_str) z
), midnights as materialized (
    -- Per zone of such stores, each local midnight from the one at or before `from` to `now`, converted once.
    select zones.zone, d.day, d.starts_at as at
    from (select distinct zone from all_day_zones) zones
    cross join lateral local_days_v1(p_from, p_now, zones.zone) d
), events as (
    select store_id, ts, status, 0 as delta, null::date as day from polls
    union all
    select store_id, open_at, null, 1, day_local from hours where open_at is not null
    union all
    select store_id, close_at, null, -1, null from hours where open_at is not null
    union all
    select store_id, p_from, null, -1000, null from hours where open_at is null
    union all
    select z.store_id, m.at, null, 0, m.day from all_day_zones z join midnights m using (zone) where m.at <= p_now
), timeline as (
    select store_id, ts, lead(ts, 1, p_now) over by_time as next_ts,
           max(ts) filter (where status is not null) over by_time as last_poll,
           max(ts) filter (where status = 'inactive') over by_time as last_down,
           sum(delta) over by_time > -1000 as in_hours,
           -- Without local_days a constant null, so that grouping by it costs nothing.
           case when p_local_days then max(day) over by_time end as day_local
    from events
    window by_time as (partition by store_id order by ts)
)
select store_id, greatest(ts, p_from), next_ts, in_hours, last_down is not distinct from last_poll,
       case when in_hours then day_local end
from timeline
where last_poll is not null  -- rule 3: a store with hours but no poll is not reported
  and next_ts > greatest(ts, p_from)
order by store_id, ts
$$;
