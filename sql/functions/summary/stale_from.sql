-- status_change_stale_from_v1(now): from which instant on the summary cannot be used for a report as of `now`
-- (infinity: it can be used for all of it).
create or replace function status_change_stale_from_v1(p_now timestamptz) returns timestamptz
language sql stable as $$
    select coalesce(min(range_start), 'infinity') from status_change_stale_chunks_v1(p_now)
$$;
