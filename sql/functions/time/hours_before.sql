-- hours_before_v1(at, hours): the instant `hours` hours (of 3,600 s each) before `at`. The report's windows (rule 2:
-- the last hour, the last 24 hours, the last 7 x 24 hours) and the day of rows read before a window are measured
-- this way whatever the session's TimeZone (`at - interval '7 days'` steps over local days: 167 or 169 hours across
-- a DST change in a zone that has one).
--
-- IMMUTABLE, which it is: subtracting hours alone does not read the TimeZone. PostgreSQL does not inline it (its
-- body calls timestamptz - interval, which is only STABLE because of day and month steps), so with constant
-- arguments the planner computes it: a report's bounds are then constants when the statement is planned and
-- TimescaleDB excludes the chunks outside them there, instead of listing every chunk and excluding them at each
-- executor start (and at each rescan of a per-store probe).
create or replace function hours_before_v1(p_at timestamptz, p_hours integer)
returns timestamptz
language sql immutable strict parallel safe as $$
    select p_at - p_hours * interval '1 hour'
$$;
