-- Queries of the web pages (app/web/data.py runs them). Figures come from report_row, the stored report; the
-- store timeline from status_pieces_v2 (sql/functions/status), the pieces every report figure is summed from.

-- name: web_report
select *
from report
where id = $1::uuid

-- name: web_report_headline
-- A report's totals over its rows: weekly business hours covered, uptime and downtime hours, and the weekly and
-- daily uptime shares in percent (null without any business time).
select count(*)::int as stores,
       coalesce(sum(uptime_last_week + downtime_last_week), 0) as business_hours_week,
       coalesce(sum(uptime_last_week), 0) as uptime_hours_week,
       coalesce(sum(downtime_last_week), 0) as downtime_hours_week,
       100 * sum(uptime_last_week) / nullif(sum(uptime_last_week + downtime_last_week), 0) as uptime_pct_week,
       100 * sum(uptime_last_day) / nullif(sum(uptime_last_day + downtime_last_day), 0) as uptime_pct_day,
       count(*) filter (where uptime_last_week + downtime_last_week = 0)::int as stores_without_business_time
from report_row
where report_id = $1::uuid

-- name: web_uptime_histogram
-- Stores by weekly uptime % in $2 equal buckets over [0, 100] (100 % falls in the last), every bucket listed even
-- when empty. Stores with no business time in the week have no uptime % and are counted apart (headline).
with shares as (
    select 100 * uptime_last_week / (uptime_last_week + downtime_last_week) as pct
    from report_row
    where report_id = $1::uuid and uptime_last_week + downtime_last_week > 0
), counted as (
    select least(width_bucket(pct, 0, 100, $2::int), $2::int) as bucket, count(*)::int as stores
    from shares
    group by 1
)
select b as bucket, 100.0 * (b - 1) / $2::int as from_pct, 100.0 * b / $2::int as to_pct,
       coalesce(counted.stores, 0) as stores
from generate_series(1, $2::int) b
left join counted on counted.bucket = b
order by b

-- name: web_top_downtime
-- The $2 stores with the most downtime in the last week (ties by store id), with their weekly uptime % and their
-- number of outages (rule 11; none until the report's outages are computed).
select r.store_id, r.downtime_last_week, r.uptime_last_week,
       100 * r.uptime_last_week / nullif(r.uptime_last_week + r.downtime_last_week, 0) as uptime_pct_week,
       coalesce(cardinality(r.outage_starts), 0) as outages
from report_row r
where r.report_id = $1::uuid and r.downtime_last_week > 0
order by r.downtime_last_week desc, r.store_id collate "C"
limit $2::int

-- name: web_fleet_days
-- Fleet uptime per local date (rule 12's sums) of a report asked for days: over the report's stores, the stores
-- with business time that date, the business, up and down hours (each store's figures as stored, rounded), and
-- the uptime share in percent (up / (up + down), as the headline's; null without business time).
select date_local as day, count(*) filter (where business_hours > 0)::int as stores_open,
       sum(business_hours) as business_hours, sum(uptime_hours) as uptime_hours,
       sum(downtime_hours) as downtime_hours,
       100 * sum(uptime_hours) / nullif(sum(uptime_hours + downtime_hours), 0) as uptime_pct
from report_day
where report_id = $1::uuid
group by date_local
order by date_local

-- name: web_zone_uptime
-- Last week's uptime by time zone (rule 9's figures summed per zone): each store counted in the zone reports read
-- for it (rule 4: a missing or unknown name is America/Chicago; the store's zone now). The $2 zones with the most
-- business hours first, each with its stores, business, up and down hours and uptime share (null without business
-- time), and the number of zones in all.
select z.zone, count(*)::int as stores, sum(w.uptime_last_week + w.downtime_last_week) as business_hours,
       sum(w.uptime_last_week) as uptime_hours, sum(w.downtime_last_week) as downtime_hours,
       100 * sum(w.uptime_last_week) / nullif(sum(w.uptime_last_week + w.downtime_last_week), 0) as uptime_pct,
       count(*) over ()::int as zones
from report_row w
left join store_timezone t on t.store_id = w.store_id
cross join lateral store_zone_v1(t.timezone_str) z
where w.report_id = $1::uuid
group by z.zone
order by business_hours desc, z.zone
limit $2::int

-- name: web_most_outages
-- The $2 stores with the most outages in the report's week (rule 11; ties: more minutes down, then store id), with
-- their minutes down in all (= downtime_last_week) and their longest outage, in minutes.
select store_id, count(*)::int as outages,
       round(sum(extract(epoch from end_utc - start_utc)) / 60, 2) as minutes,
       round(max(extract(epoch from end_utc - start_utc)) / 60, 2) as longest_minutes
from report_outage
where report_id = $1::uuid
group by store_id
order by outages desc, minutes desc, store_id collate "C"
limit $2::int

-- name: web_store_search
-- Stores of the report whose id contains $2 (case-insensitive, taken literally): the exact match first, then ids
-- that start with it, then the rest; at most $3.
select store_id, downtime_last_week, uptime_last_week
from report_row
where report_id = $1::uuid and strpos(lower(store_id), lower($2::text)) > 0
order by lower(store_id) = lower($2::text) desc, strpos(lower(store_id), lower($2::text)) = 1 desc,
         store_id collate "C"
limit $3::int

-- name: web_latest_report_for_store
-- The newest complete report that has a row for the store, among those the caller sees: every report ($2 true: an
-- admin key) or tenant $3's.
select r.id
from report r
join report_row w on w.report_id = r.id and w.store_id = $1::text
where r.status = 'complete' and ($2::boolean or r.tenant_id = $3::bigint)
order by r.queued_at desc
limit 1

-- name: web_store_in_report
-- The store's six figures in report $1 (no row when the report does not include it), its time zone as the report
-- reads it (a missing or unknown name means America/Chicago), the name it was given, and the report's as_of ($3)
-- on the store's wall clock.
select w.*, z.zone, t.timezone_str as zone_given, $3::timestamptz at time zone z.zone as as_of_local
from report_row w
left join store_timezone t on t.store_id = w.store_id
cross join lateral store_zone_v1(t.timezone_str) z
where w.report_id = $1::uuid and w.store_id = $2::text

-- name: web_store_hours
-- The store's business-hours rows as given (local wall times, 0 = Monday), duplicates once.
select distinct day_of_week, start_time_local, end_time_local
from store_hours
where store_id = $1::text
order by day_of_week, start_time_local, end_time_local

-- name: web_local_days
-- The local dates in zone $3 that [$1, $2] touches, each with its UTC bounds and the part of it inside [$1, $2]
-- as wall-clock hours since local midnight (0-24; a day with a DST change is 23 or 25 hours long).
with days as (
    select * from local_days_v1($1::timestamptz, $2::timestamptz, $3::text)
)
select day, starts_at, ends_at, extract(epoch from ends_at - starts_at) / 3600 as length_hours,
       extract(epoch from (greatest(starts_at, $1::timestamptz) at time zone $3::text) - day::timestamp) / 3600
           as window_from_hour,
       extract(epoch from (least(ends_at, $2::timestamptz) at time zone $3::text) - day::timestamp) / 3600
           as window_to_hour
from days
order by day

-- name: web_store_timeline
-- What the store page draws for store $1 over [$2, $3] in its zone $4, cut at local midnights: its business hours
-- (kind 'hours': the day's open spans) and its status (kind 'status'), the latter also cut where business hours
-- open or close (in_hours). The pieces are status_pieces_v3's, the ones every report figure is summed from; runs
-- of pieces with the same state are merged. Each has its UTC bounds, its length in seconds and its local
-- wall-clock hours since the local day's midnight.
with days as (
    select * from local_days_v1($2::timestamptz, $3::timestamptz, $4::text)
), pieces as (
    select d.day as day_local, greatest(p.starts_at, d.starts_at) as starts_at, least(p.ends_at, d.ends_at) as ends_at,
           p.in_hours, case when p.down then 'inactive' else 'active' end as status
    from status_pieces_v3($2::timestamptz, $3::timestamptz, null, null, array[$1::text], null, false) p
    join days d on p.starts_at < d.ends_at and p.ends_at > d.starts_at
), hours_runs as (
    select day_local, starts_at, ends_at, in_hours,
           sum(case when in_hours is distinct from previous or starts_at <> previous_end then 1 else 0 end)
               over (order by starts_at) as run
    from (select *, lag(in_hours) over (order by starts_at) as previous,
                 lag(ends_at) over (order by starts_at) as previous_end from pieces) p
), status_runs as (
    select day_local, starts_at, ends_at, in_hours, status,
           sum(case when (in_hours, status, day_local) is distinct from (prev_in_hours, prev_status, prev_day)
                    then 1 else 0 end) over (order by starts_at) as run
    from (select *, lag(in_hours) over (order by starts_at) as prev_in_hours,
                 lag(status) over (order by starts_at) as prev_status,
                 lag(day_local) over (order by starts_at) as prev_day from pieces) p
), spans as (
    select 'hours' as kind, day_local as day, null::text as status, true as in_hours,
           min(starts_at) as starts_at, max(ends_at) as ends_at
    from hours_runs where in_hours
    group by day_local, run
    union all
    select 'status', day_local, status, in_hours, min(starts_at), max(ends_at)
    from status_runs
    group by day_local, run, status, in_hours
)
select kind, day, status, in_hours, starts_at, ends_at,
       extract(epoch from ends_at - starts_at) as seconds,
       extract(epoch from (starts_at at time zone $4::text) - day::timestamp) / 3600 as from_hour,
       extract(epoch from (ends_at at time zone $4::text) - day::timestamp) / 3600 as to_hour
from spans
order by day, kind, starts_at

-- name: web_store_polls
-- The store's polls in [$2, $3] (exact duplicates once), with their local date and wall-clock hour in zone $4.
select distinct timestamp_utc, status::text,
       (timestamp_utc at time zone $4::text)::date as day,
       extract(epoch from (timestamp_utc at time zone $4::text)
                          - (timestamp_utc at time zone $4::text)::date::timestamp) / 3600 as hour
from store_status
where store_id = $1::text and timestamp_utc between $2::timestamptz and $3::timestamptz
order by timestamp_utc, status

-- name: web_clock
-- The instant the live panels are as of, as the alert evaluation takes it: the wall clock, or with ALERT_CLOCK=data
-- ($1 'data') the newest poll, here as the registry of polled stores knows it (each status's newest poll is one
-- probe of polled_store_status_idx; the polls are never read).
select case when $1::text = 'data'
            then greatest((select max(last_poll_at) from polled_store where status = 'active'),
                          (select max(last_poll_at) from polled_store where status = 'inactive'))
            else now() end

-- name: web_down_now
-- The stores down now ($1) while they should be open (stores_down_now_v1: newest poll inactive, in business hours;
-- it reads the registry polled_store, never the polls), among every store ($2 true: an admin) or tenant $3's; the
-- $4 with the newest polls, each with its zone as reports read it (rule 4) and when its run of inactive polls began
-- on its wall clock, and how many there are in all.
with shown as (
    select d.*, count(*) over ()::int as total
    from stores_down_now_v1($1::timestamptz,
                            case when $2::boolean then null
                                 else array(select s.store_id from tenant_store s where s.tenant_id = $3::bigint)
                            end) d
    order by d.last_poll_at desc, d.store_id
    limit $4::int
)
select d.store_id, d.down_since, d.last_poll_at, z.zone, d.down_since at time zone z.zone as down_since_local, d.total
from shown d
left join store_timezone t on t.store_id = d.store_id
cross join lateral store_zone_v1(t.timezone_str) z
order by d.last_poll_at desc, d.store_id

-- name: web_store_outages
-- Store $2's outages in report $1 (rule 11), in time order and numbered, at most $4: their UTC bounds, the same on
-- the store's wall clock in zone $3, and their length in minutes (2 decimals, as the outages CSV).
select row_number() over (order by start_utc)::int as number, start_utc, end_utc,
       start_utc at time zone $3::text as start_local, end_utc at time zone $3::text as end_local,
       round(extract(epoch from end_utc - start_utc) / 60, 2) as minutes
from report_outage
where report_id = $1::uuid and store_id = $2::text
order by start_utc
limit $4::int

-- name: web_store_outage_marks
-- Where the timeline marks store $2's first $4 outages in report $1: each cut at the local midnights of zone $3,
-- one row per outage and local date, as wall-clock hours since that date's midnight (as web_store_timeline's).
with outages as (
    select row_number() over (order by start_utc)::int as number, start_utc, end_utc
    from report_outage
    where report_id = $1::uuid and store_id = $2::text
    order by start_utc
    limit $4::int
), cut as (
    select o.number, d::date as day,
           greatest(o.start_utc, d at time zone $3::text) as starts_at,
           least(o.end_utc, (d + interval '1 day') at time zone $3::text) as ends_at
    from outages o
    cross join generate_series((o.start_utc at time zone $3::text)::date::timestamp,
                               (o.end_utc at time zone $3::text)::date::timestamp, interval '1 day') d
)
select number, day,
       extract(epoch from (starts_at at time zone $3::text) - day::timestamp) / 3600 as from_hour,
       extract(epoch from (ends_at at time zone $3::text) - day::timestamp) / 3600 as to_hour
from cut
where starts_at < ends_at
order by number, day
