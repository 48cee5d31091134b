-- Rules 2, 9, 11 and 12. report_figures_v3(now, store_from, store_to, store_ids, summary_until, days_from, days_to,
-- outages): one row per reported store with its six figures in exact seconds -- uptime and downtime of the last hour
-- [now - 1 h, now], day [now - 24 h, now] and week [now - 7 d, now], the time of each window in business hours and
-- active, resp. inactive -- and:
-- * when days_from is given, first_date (= days_from) and, per local date D of [days_from, days_to] in order, its
--   business time, uptime and downtime over [D 00:00, D + 1 00:00) local, cut at `now` (zero for a date after
--   `now`), in microseconds (business_micros, uptime_micros, downtime_micros: exact integers);
-- * with `outages`, the store's outages (rule 11) in order of start (outage_starts, outage_ends; null: none): the
--   maximal spans of the last week [now - 7 d, now] in business hours and inactive, i.e. runs of pieces in that state
--   each starting where the one before it ends (a piece in another state between two ends a run, so a store closing
--   while down and opening again while down has two), cut at now - 7 d. Their lengths add up to downtime_last_week.
--
-- One pass over status_pieces_v3. Without days or outages the six figures are summed per store straight from the
-- pieces. With them, the pieces that count (those in hours) are kept once (cut) and summed per store, and per store
-- and local date for the days; their runs in hours and down are the outages. Sums are of microseconds (micros_v1:
-- exact, and much cheaper to add than intervals or numeric seconds); the six figures become seconds at the end.
-- Outages alone (days_from null, outages) give only the stores with outages, their figures null. A
-- store's dates and outages come as arrays on its one row: what a report stores (report_row), without a row per date
-- or outage in between.
create or replace function report_figures_v3(p_now timestamptz, p_store_from text, p_store_to text,
                                             p_store_ids text[], p_summary_until timestamptz,
                                             p_days_from date default null, p_days_to date default null,
                                             p_outages boolean default false)
returns table (
    store_id           text,
    uptime_last_hour   numeric,
    uptime_last_day    numeric,
    uptime_last_week   numeric,
    downtime_last_hour numeric,
    downtime_last_day  numeric,
    downtime_last_week numeric,
    first_date         date,
    business_micros    bigint[],
    uptime_micros      bigint[],
    downtime_micros    bigint[],
    outage_starts      timestamptz[],
    outage_ends        timestamptz[]
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
), outage_bounds as (
    -- Rule 11: the pieces in hours and down of the last week; two of them are in one outage when nothing lies between
    -- them (pieces are consecutive and never empty), so an outage starts at a piece whose predecessor among them does
    -- not end where it starts, and ends at one whose successor does not start where it ends. Only those pieces are
    -- kept, in the window's order (store, start).
    select store_id, starts_at, ends_at, starts_outage, ends_outage
    from (select store_id, starts_at, ends_at,
                 lag(ends_at) over by_start is distinct from starts_at as starts_outage,
                 lead(starts_at) over by_start is distinct from ends_at as ends_outage
          from cut
          where p_outages and in_hours and down and ends_at > hours_before_v1(p_now, 168)
          window by_start as (partition by store_id order by starts_at)) runs
    where starts_outage or ends_outage
), store_outages as (
    -- The i-th start and the i-th end bound the i-th outage. array_agg takes the rows in the order they come, which
    -- is the window's (store, start): the group is the sort's prefix, so nothing reorders them.
    select store_id,
           array_agg(greatest(starts_at, hours_before_v1(p_now, 168))) filter (where starts_outage) as starts,
           array_agg(ends_at) filter (where ends_outage) as ends
    from outage_bounds
    group by store_id
), per_day as (
    -- Per store and local date asked for, the day's figures. Summed as float8: the sums of whole microseconds stay
    -- whole and exact while below 2^53 (285 years), and adding float8 needs no state allocated per group, where a
    -- sum of bigint keeps a 128-bit state and ends in numeric (a fifth of the days' cost on the default sample).
    select store_id, day_local, sum(length::float8) filter (where not down) as up,
           sum(length::float8) filter (where down) as down
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
    order by store_id  -- so that the grid below comes out sorted already, and its sort only checks that
), store_days as (
    -- Every date asked for, for every store, in order (a date without a piece in hours, closed or after `now`: zeros);
    -- array_agg takes them in the order of the sorted grid, as store_outages does.
    select store_id, array_agg((coalesce(up, 0) + coalesce(down, 0))::bigint) as business,
           array_agg(coalesce(up, 0)::bigint) as up, array_agg(coalesce(down, 0)::bigint) as down
    from (select s.store_id, d.day, p.up, p.down
          from per_store s
          cross join lateral generate_series(p_days_from::timestamp, p_days_to::timestamp, interval '1 day') d(day)
          left join per_day p on p.store_id = s.store_id and p.day_local = d.day::date
          where p_days_from is not null
          order by s.store_id, d.day) grid
    group by store_id
)
-- Without days or outages: the six figures straight from the pieces. (The branches that do not apply fold away when
-- planned.)
select store_id,
       seconds_v2(sum(in_hour) filter (where in_hours and not down)), seconds_v2(sum(in_day) filter (where in_hours and not down)),
       seconds_v2(sum(in_week) filter (where in_hours and not down)), seconds_v2(sum(in_hour) filter (where in_hours and down)),
       seconds_v2(sum(in_day) filter (where in_hours and down)), seconds_v2(sum(in_week) filter (where in_hours and down)),
       null::date, null::bigint[], null::bigint[], null::bigint[], null::timestamptz[], null::timestamptz[]
from pieces
where p_days_from is null and not p_outages
group by store_id
union all
select s.store_id,
       seconds_v2(s.up_hour), seconds_v2(s.up_day), seconds_v2(s.up_week),
       seconds_v2(s.down_hour), seconds_v2(s.down_day), seconds_v2(s.down_week),
       p_days_from, d.business, d.up, d.down, o.starts, o.ends
from per_store s
left join store_days d on d.store_id = s.store_id
left join store_outages o on o.store_id = s.store_id
union all
-- Outages alone (report_outages_v2): the stores that have some, without figures.
select store_id, null, null, null, null, null, null, null, null, null, null, starts, ends
from store_outages
where p_days_from is null
$$;
