-- Rules 3 and 7: what is read. report_polls_v3(from, now, store_from, store_to, store_ids, summary_until): for every
-- store with a poll at or before `now` among the stores in [store_from, store_to) (null: unbounded) and in
-- store_ids (null: all): rows before `from` whose last gives its status when `from` comes, and its polls from `from`
-- to `now` -- or stand-ins with the same statuses (status_rows_v1: the status change summary where it is current,
-- the polls from there on).
--
-- The status at `from` (rule 7) is the last poll before it, however old; for a store first polled after `from`, its
-- first status carried back, as a row at `from`. The rows of the day before `from` are read with the window (the
-- summary keeps each store's first poll of every day, so a store polled that day has its status at `from` there);
-- for the other stores first polled before `from` it is one index probe each, newest chunk first (an ordered
-- ChunkAppend stops at the first chunk holding a row: one chunk per day the store was silent before `from`). A store
-- first polled at or after `from` has no row before it and is not probed. Nothing else older is read: the cost does
-- not grow with history. The stores and their first polls come from the registry kept with the summary
-- (polled_store); the probe finds the last summary row before `from`, or, for a store whose earlier rows retention
-- dropped, the row it kept (status_change_baseline). When the summary is not current everywhere up to `now`
-- (summary_until <= now: outside writes not summarized yet, perhaps a poll at `now` itself), the stores polled in
-- the stale days join those of the registry, with their first polls there; when it is not current before `from`,
-- the probe reads the polls.
create or replace function report_polls_v3(p_from timestamptz, p_now timestamptz, p_store_from text, p_store_to text,
                                           p_store_ids text[], p_summary_until timestamptz)
returns table (store_id text, ts timestamptz, status poll_status)
language sql stable as $$
    select * from status_rows_v1(hours_before_v1(p_from, 24), p_now, p_now, p_store_from, p_store_to, p_store_ids,
                                 p_summary_until)
    union all
    select u.store_id, b.ts, b.status
    from (select f.store_id, min(f.first_poll_at) as first_poll_at,
                 (array_agg(f.first_status order by f.first_poll_at, f.first_status desc))[1] as first_status
          from (select k.store_id, k.first_poll_at, k.first_status
                from polled_store k
                where k.first_poll_at <= p_now
                  and (p_store_from is null or k.store_id >= p_store_from)
                  and (p_store_to is null or k.store_id < p_store_to)
                  and (p_store_ids is null or k.store_id = any (p_store_ids))
                union all
                select s.store_id, min(s.timestamp_utc), (array_agg(s.status order by s.timestamp_utc, s.status desc))[1]
                from store_status s
                -- At or before now: a store whose only poll is one at `now` itself, not summarized yet, is reported.
                where coalesce(p_summary_until, (select status_change_stale_from_v1(p_now))) <= p_now
                  and s.timestamp_utc >= coalesce(p_summary_until, (select status_change_stale_from_v1(p_now)))
                  and s.timestamp_utc <= p_now
                  and (p_store_from is null or s.store_id >= p_store_from)
                  and (p_store_to is null or s.store_id < p_store_to)
                  and (p_store_ids is null or s.store_id = any (p_store_ids))
                group by s.store_id) f
          group by f.store_id
          -- Not the stores whose status at `from` the day before gave (a hashed subplan).
          having f.store_id not in (select r.store_id
                                    from status_rows_v1(hours_before_v1(p_from, 24), p_from, p_now, p_store_from,
                                                        p_store_to, p_store_ids, p_summary_until) r
                                    where r.ts < p_from)) u
    cross join lateral (
        (select c.ts, c.status
         from status_change c
         where coalesce(p_summary_until, (select status_change_stale_from_v1(p_now))) >= p_from
           and u.first_poll_at < p_from
           and c.store_id = u.store_id and c.ts < p_from
         order by c.ts desc, c.status desc
         limit 1)
        union all
        (select s.timestamp_utc, s.status
         from store_status s
         where coalesce(p_summary_until, (select status_change_stale_from_v1(p_now))) < p_from
           and u.first_poll_at < p_from
           and s.store_id = u.store_id and s.timestamp_utc < p_from
         order by s.timestamp_utc desc, s.status desc
         limit 1)
        union all
        (select k.ts, k.status from status_change_baseline k where k.store_id = u.store_id and k.ts < p_from)
        union all
        select p_from, u.first_status where u.first_poll_at >= p_from
        limit 1
    ) b
$$;
