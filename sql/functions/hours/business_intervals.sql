-- Rules 5, 6 and 10. business_intervals_v2(from, to, store_from, store_to, store_ids, local_days): the business hours
-- of every store that has weekly or special rows, among the stores in [store_from, store_to) (null: unbounded) and
-- in store_ids (null: all), as UTC intervals that reach into [from, to], clipped to it. Overlapping intervals come
-- out as they are: a store is open while at least one of its intervals is. Each such store also gets one row with
-- null bounds, which says it has rows; a store absent from the result has none and is open all the time (rule 5).
-- With local_days (rule 12), an interval that runs past a local midnight is cut there, and each part carries the
-- local date it lies in (day_local; null without local_days): the interval of D - 1 running into D becomes a part
-- on D - 1 and a part on D.
--
-- The intervals that open on a store's local date D are those of its special rows for D when it has any (a row
-- without times: closed), else those of its weekly rows for D's weekday, else, for a store without weekly rows,
-- 00:00-00:00 (rule 10). An interval that opened on D - 1 and runs into D belongs to D - 1. Local bounds come from
-- local_interval_v1 and become UTC with AT TIME ZONE in the store's zone (store_zone_v1); an interval whose UTC end
-- is not after its start is empty. Weekly rows are converted once per pattern (zone, weekday, opening, closing) and
-- local date, then joined back to the stores: thousands of stores share a few thousand patterns.
create or replace function business_intervals_v2(p_from timestamptz, p_to timestamptz, p_store_from text,
                                                 p_store_to text, p_store_ids text[], p_local_days boolean)
returns table (store_id text, open_at timestamptz, close_at timestamptz, day_local date)
language sql stable as $$
with weekly as (
    select h.store_id, h.day_of_week, h.start_time_local, h.end_time_local, z.zone
    from store_hours h
    left join store_timezone t on t.store_id = h.store_id
    cross join lateral store_zone_v1(t.timezone_str) z
    where (p_store_from is null or h.store_id >= p_store_from)
      and (p_store_to is null or h.store_id < p_store_to)
      -- IN over unnest, not = ANY: a hashed lookup even when the plan is generic (alerts and the live views pass
      -- hundreds of ids as a parameter, and = ANY would compare each row with each of them in turn).
      and (p_store_ids is null or h.store_id in (select unnest(p_store_ids)))
), special as (
    -- The dates that can matter in any zone (offsets are within a day of UTC); zone_spans narrows them.
    select s.store_id, s.date_local, s.start_time_local, s.end_time_local, z.zone
    from special_hours s
    left join store_timezone t on t.store_id = s.store_id
    cross join lateral store_zone_v1(t.timezone_str) z
    where s.date_local between (p_from at time zone 'UTC')::date - 3 and (p_to at time zone 'UTC')::date + 1
      and (p_store_from is null or s.store_id >= p_store_from)
      and (p_store_to is null or s.store_id < p_store_to)
      and (p_store_ids is null or s.store_id in (select unnest(p_store_ids)))
), zone_spans as materialized (
    -- Per zone, the local dates whose intervals can reach into [from, to]: from two days before the local date of
    -- `from` to the local date of `to`.
    select zone, (p_from at time zone zone)::date - 2 as first_day, (p_to at time zone zone)::date as last_day
    from (select zone from weekly union select zone from special) zones
), special_days as (
    select distinct s.store_id, s.date_local as day
    from special s
    join zone_spans span using (zone)
    where s.date_local between span.first_day and span.last_day
), patterns as materialized (
    select distinct zone, day_of_week, start_time_local, end_time_local from weekly
), pattern_intervals as materialized (
    -- Every date of the zone's span with the pattern's weekday (day: the date it opens on), converted once per
    -- pattern and date (and per part, with local_days).
    select p.zone, p.day_of_week, p.start_time_local, p.end_time_local, d.day, part.day as day_local,
           lower(part.local) at time zone p.zone as open_at, upper(part.local) at time zone p.zone as close_at
    from patterns p
    join zone_spans span using (zone)
    cross join lateral (
        select day, local_interval_v1(day, p.start_time_local, p.end_time_local) as local
        from (select span.first_day + (p.day_of_week - (extract(isodow from span.first_day)::int - 1) + 7) % 7
                     + 7 * k as day
              from generate_series(0, (span.last_day - span.first_day) / 7) k) days
        where day <= span.last_day
    ) d
    cross join lateral local_day_parts_v1(d.day, d.local, p_local_days) part
), weekly_intervals as (
    select w.store_id, i.open_at, i.close_at, i.day_local
    from weekly w
    join pattern_intervals i using (zone, day_of_week, start_time_local, end_time_local)
    -- NOT IN over a hashed subplan rather than NOT EXISTS: the planner underestimates special_days tenfold and
    -- picked a nested loop that scanned it once per interval (60 s instead of 0.3 s on the default sample).
    where (w.store_id, i.day) not in (select s.store_id, s.day from special_days s)
), all_day_stores as (
    select distinct store_id, zone from special where store_id not in (select store_id from weekly)
), all_day_spans as materialized (
    -- Per zone of such stores, each local date of its span as a whole day, converted once per zone and date.
    -- Whole days: nothing to cut for local_days.
    select span.zone, d.day::date as day, lower(l.local) at time zone span.zone as open_at,
           upper(l.local) at time zone span.zone as close_at
    from zone_spans span
    cross join lateral generate_series(span.first_day::timestamp, span.last_day::timestamp, interval '1 day') d(day)
    cross join lateral (select local_interval_v1(d.day::date, time '00:00', time '00:00') as local) l
    where span.zone in (select zone from all_day_stores)
), all_day_intervals as (
    select s.store_id, a.open_at, a.close_at, case when p_local_days then a.day end
    from all_day_stores s
    join all_day_spans a using (zone)
    where (s.store_id, a.day) not in (select x.store_id, x.day from special_days x)  -- as in weekly_intervals
), special_intervals as (
    select s.store_id, lower(part.local) at time zone s.zone as open_at,
           upper(part.local) at time zone s.zone as close_at, part.day
    from special s
    join special_days using (store_id)
    cross join lateral (select local_interval_v1(s.date_local, s.start_time_local, s.end_time_local) as local) l
    cross join lateral local_day_parts_v1(s.date_local, l.local, p_local_days) part
    where special_days.day = s.date_local and s.start_time_local is not null
), intervals as (
    select * from weekly_intervals
    union all
    select * from all_day_intervals
    union all
    select * from special_intervals
)
select store_id, greatest(open_at, p_from), least(close_at, p_to), day_local
from intervals
where open_at < close_at and close_at > p_from and open_at < p_to
union all
select store_id, null, null, null
from (select store_id from weekly union select store_id from special) has_rows
$$;
