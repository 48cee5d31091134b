-- The status change summary: a small stand-in for store_status that reports read instead of every poll.
--
-- status_change holds, for each chunk of store_status, each store's first poll in the chunk and every later poll
-- in it whose status differs from the poll before it (polls in (time, status) order, as the report orders them).
-- A poll left out has the status of the row kept just before it, so "keep the polls where the status changes",
-- run over these rows, keeps exactly what it keeps over all polls, and a time filter (`at or before now`) can cut
-- the rows anywhere. On the sample data it is about 1 row in 10.
--
-- Keeping it true. Every statement that writes store_status (the loader's COPY, timescaledb-parallel-copy's,
-- anyone's INSERT, UPDATE, DELETE or TRUNCATE) adds a row to status_change_pending in the writer's own
-- transaction, from a statement-level trigger: one row per statement whatever its size (a row-level trigger
-- would slow COPY many times over). The loader also says which time range it wrote, in the setting
-- storepulse.poll_range; any other writer may have written anywhere. status_change_chunk records, per
-- summarized chunk, the snapshot the summary was made in and the chunk's file node, which TRUNCATE, VACUUM FULL
-- and a drop-and-recreate change. A chunk's summary can be used when its record exists, its file node is the
-- same, and every pending write that may touch it is visible in that snapshot. Checked in the reader's own
-- snapshot, that is exact: a write and its pending row commit together. app/report/summary.py summarizes stale
-- chunks again (after each load, and before a report that finds some) and deletes pending rows no chunk needs.
-- A chunk that only INSERTs may have touched and that holds as many polls as when it was summarized was not
-- touched: its record is confirmed as of a new snapshot instead (a count, not a summary: an outside feed that
-- writes the newest hour leaves the other days alone).
-- The report reads the summary up to the first stale chunk and store_status from there on (report_polls_v1).

create table status_change (
    store_id text        not null,
    ts       timestamptz not null,
    status   poll_status not null,
    primary key (store_id, ts, status)
);
-- For summarizing a chunk again: its old rows are found by time.
create index status_change_ts_idx on status_change (ts);

create table status_change_chunk (
    chunk         bigint      primary key,  -- the chunk's table oid
    range_start   timestamptz not null,
    range_end     timestamptz not null,
    filenode      bigint      not null,
    snapshot      text        not null,     -- pg_snapshot: the transactions whose writes the summary includes
    changes       bigint      not null,     -- rows in status_change
    polls         bigint      not null,     -- polls in the chunk then
    summarized_at timestamptz not null
);

create table status_change_pending (
    id         bigint      generated always as identity primary key,
    xid        bigint      not null default pg_current_xact_id()::text::bigint,
    operation  text        not null,
    polls_from timestamptz,  -- [polls_from, polls_to): the writer's polls; both null: anywhere
    polls_to   timestamptz,
    written_at timestamptz not null default clock_timestamp()
);

-- SECURITY DEFINER: a role that may write store_status need not be granted anything on the bookkeeping table.
create function status_change_note_write_v1() returns trigger
language plpgsql security definer set search_path from current as $$
declare
    written tstzrange := nullif(current_setting('storepulse.poll_range', true), '')::tstzrange;
begin
    insert into status_change_pending (operation, polls_from, polls_to)
    values (tg_op, lower(written), upper(written));
    return null;
end
$$;

create trigger store_status_note_write after insert or update or delete or truncate on store_status
for each statement execute function status_change_note_write_v1();

-- The chunks of store_status. Read from TimescaleDB's catalog the way its timescaledb_information.chunks view
-- does, minus the view's window over every hypertable's chunks, which cannot be filtered first and made this
-- several times slower (it runs in every report statement). store_status has one dimension, time.
create function status_change_chunks_v1()
returns table (chunk bigint, range_start timestamptz, range_end timestamptz)
language sql stable as $$
    select format('%I.%I', ch.schema_name, ch.table_name)::regclass::oid::bigint,
           _timescaledb_functions.to_timestamp(sl.range_start), _timescaledb_functions.to_timestamp(sl.range_end)
    from _timescaledb_catalog.hypertable h
    join _timescaledb_catalog.chunk ch on ch.hypertable_id = h.id and not ch.dropped
    join _timescaledb_catalog.chunk_constraint cc on cc.chunk_id = ch.id
    join _timescaledb_catalog.dimension_slice sl on sl.id = cc.dimension_slice_id
    where h.schema_name = current_schema() and h.table_name = 'store_status'
$$;

-- The chunks starting at or before p_now whose summary cannot be used for polls at or before p_now, and why;
-- chunk is null for a summary whose chunk is gone (its rows must go too). Writes wholly after p_now are ignored:
-- a poll can only change whether a later poll is kept.
create function status_change_stale_chunks_v1(p_now timestamptz)
returns table (chunk bigint, range_start timestamptz, range_end timestamptz, reason text)
language sql stable as $$
    with chunk as materialized (
        select * from status_change_chunks_v1()
    )
    select c.chunk, c.range_start, c.range_end,
           case when r.chunk is null then 'not summarized'
                when r.filenode <> pg_relation_filenode(c.chunk::oid) then 'rewritten'
                else 'written since' end
    from chunk c
    left join status_change_chunk r on r.chunk = c.chunk
    where c.range_start <= p_now
      and (r.chunk is null
           or r.filenode <> pg_relation_filenode(c.chunk::oid)
           or exists (select from status_change_pending w
                      where (w.polls_from is null or (w.polls_from < c.range_end and w.polls_to > c.range_start
                                                      and w.polls_from <= p_now))
                        and not pg_visible_in_snapshot(w.xid::text::xid8, r.snapshot::pg_snapshot)))
    union all
    select null, r.range_start, r.range_end, 'chunk dropped'
    from status_change_chunk r
    where r.range_start <= p_now and not exists (select from chunk c where c.chunk = r.chunk)
$$;

-- From which instant on the summary cannot be used for a report as of p_now (infinity: it can be used for all).
create function status_change_stale_from_v1(p_now timestamptz) returns timestamptz
language sql stable as $$
    select coalesce(min(range_start), 'infinity') from status_change_stale_chunks_v1(p_now)
$$;

-- True, or an error (SQLSTATE SP001) when the summary became stale before p_until since the caller looked: a
-- load committed in between. The caller summarizes again and retries.
create function status_change_assert_usable_v1(p_now timestamptz, p_until timestamptz) returns boolean
language plpgsql stable as $$
begin
    if p_until is not null and status_change_stale_from_v1(p_now) < p_until then
        raise exception 'the status change summary is stale before % (a load committed meanwhile)', p_until
            using errcode = 'SP001';
    end if;
    return true;
end
$$;

-- The polls a report reads, in (store_id, ts, status) order per store: the summary's rows before p_summary_until
-- and every poll from it on, at or before p_now. Null p_summary_until: the statement finds where the summary
-- stops being usable itself (an InitPlan; chunks before it are excluded at run time). A caller that passes it
-- (the report engine, as a constant, so chunks are excluded at plan time) has it checked in the same snapshot.
-- The branches of the UNION ALL have no WHERE of their own, on purpose: PostgreSQL then flattens them into one
-- append relation and pushes the outer conditions into each, where `source = ...` folds to true or false. That
-- drops a branch that is not needed, and keeps each branch's index order so the two are merged, not sorted.
create function report_polls_v1(p_now timestamptz, p_store_from text, p_store_to text, p_store_ids text[],
                                p_summary_until timestamptz)
returns table (store_id text, ts timestamptz, status poll_status)
language sql stable as $$
    select p.store_id, p.ts, p.status
    from (select 'summary' as source, c.store_id, c.ts, c.status from status_change c
          union all
          select 'polls', s.store_id, s.timestamp_utc, s.status from store_status s) p
    where ((p.source = 'summary'
            and p.ts < coalesce(p_summary_until, (select status_change_stale_from_v1(p_now)))
            and status_change_assert_usable_v1(p_now, p_summary_until))
           or (p.source = 'polls' and p.ts >= coalesce(p_summary_until, (select status_change_stale_from_v1(p_now)))))
      and p.ts <= p_now
      and (p_store_from is null or p.store_id >= p_store_from)
      and (p_store_to is null or p.store_id < p_store_to)
      and (p_store_ids is null or p.store_id = any (p_store_ids))
$$;

-- The report's computation: report_seconds_v1 (003_report.sql, which has the full notes) reading report_polls_v1
-- instead of store_status, and converting business hours once per weekly pattern rather than per store.
drop function report_seconds_v1(timestamptz, text, text, text[]);

create function report_seconds_v2(p_now timestamptz, p_store_from text, p_store_to text, p_store_ids text[],
                                  p_summary_until timestamptz default null)
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
    -- Only the polls where a store's status changes matter: report_polls_v1 gives a subsequence of each store's
    -- polls that holds all of them (mostly from the summary), in index order, so one LAG finds them without
    -- sorting. Ties at one instant are ordered active before inactive, so the instant's effective status
    -- (inactive wins) is the one compared next.
    select store_id, ts, status
    from (
        select p.store_id, p.ts, p.status,
               lag(p.status) over (partition by p.store_id order by p.ts, p.status) as previous
        from report_polls_v1(p_now, p_store_from, p_store_to, p_store_ids, p_summary_until) p
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
), patterns as materialized (
    -- Thousands of stores share a few thousand weekly patterns (zone, weekday, opening, closing): the intervals
    -- are worked out once per pattern, then joined back to the stores' rows.
    select distinct zone, day_of_week, start_time_local, end_time_local from hour_rows
), zone_spans as materialized (
    -- Per zone, the local dates to look at: from two days before the week window's first local date (an
    -- interval starting then can reach into the window) to the local date of `now`.
    select zone, ((p_now - interval '7 days') at time zone zone)::date - 2 as first_day,
           (p_now at time zone zone)::date as last_day
    from (select distinct zone from patterns) zones
), pattern_days as (
    -- Every local date in the zone's span whose weekday matches the pattern: at most two.
    select p.*, d.day
    from patterns p
    join zone_spans span using (zone)
    cross join lateral (
        select span.first_day + (p.day_of_week - (extract(isodow from span.first_day)::int - 1) + 7) % 7 + 7 * k
               as day
        from generate_series(0, 1) k
    ) d
    where d.day <= span.last_day
), pattern_intervals as materialized (
    -- Local wall-clock bounds to UTC with AT TIME ZONE, clipped to the week window. An end of 23:59:59 is
    -- midnight; an end at or before the start is on the next day (start = end is 24 hours). Materialized, so the
    -- conversions happen once per pattern and date, not once per store's row.
    select zone, day_of_week, start_time_local, end_time_local,
           greatest((day + start_time_local) at time zone zone, p_now - interval '7 days') as open_at,
           least((case when end_time_local = time '23:59:59' then day + 1 + time '00:00'
                       when end_time_local <= start_time_local then day + 1 + end_time_local
                       else day + end_time_local end) at time zone zone, p_now) as close_at
    from pattern_days
), clipped as (
    select r.store_id, i.open_at, i.close_at
    from hour_rows r
    join pattern_intervals i using (zone, day_of_week, start_time_local, end_time_local)
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
