-- The straightforward formulation, kept only as the benchmark's yardstick (bench/bench_report.py): every poll's
-- status segment (LEAD over all polls, sorted) intersected with the store's business hours as a multirange.
-- Same rules as report_seconds_v1 except the carried-back first status, which changes no timing.
-- $1: now.
with polls as (
    select store_id, timestamp_utc as ts, status,
           lead(timestamp_utc, 1, $1) over (partition by store_id order by timestamp_utc, status) as next_ts
    from store_status where timestamp_utc <= $1
), hours as (
    select h.store_id, h.day_of_week, h.start_time_local, h.end_time_local, coalesce(z.name, 'America/Chicago') zone
    from store_hours h
    left join store_timezone t using (store_id)
    left join pg_timezone_names z on z.name = t.timezone_str
), business as (
    select store_id, range_agg(tstzrange(open_at, close_at)) as open_hours
    from (
        select store_id, (d + start_time_local) at time zone zone as open_at,
               (case when end_time_local = '23:59:59' then d + 1 + time '00:00'
                     when end_time_local <= start_time_local then d + 1 + end_time_local
                     else d + end_time_local end) at time zone zone as close_at
        from hours,
             generate_series((($1::timestamptz - interval '9 days') at time zone zone)::date,
                             ($1::timestamptz at time zone zone)::date, interval '1 day') g(day),
             lateral (select g.day::date as d) x
        where extract(isodow from d) - 1 = day_of_week
    ) i
    where open_at < close_at
    group by store_id
), pieces as (
    select p.store_id, p.status, w.name, w.start_at,
           coalesce(b.open_hours, tstzmultirange(tstzrange(null, null)))
             * tstzmultirange(tstzrange(greatest(p.ts, w.start_at), p.next_ts)) as covered
    from polls p
    cross join (values ('hour', $1::timestamptz - interval '1 hour'), ('day', $1::timestamptz - interval '1 day'),
                       ('week', $1::timestamptz - interval '7 days')) w(name, start_at)
    left join business b using (store_id)
    where p.next_ts > w.start_at
)
select store_id, name, status,
       sum((select coalesce(sum(upper(r) - lower(r)), interval '0') from unnest(covered) r)) as seconds
from pieces
group by store_id, name, status
