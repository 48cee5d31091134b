-- Rule 12's cut of business hours at local midnights. local_day_parts_v1(day, local, split): the local interval
-- `local` that opens on local date `day` (local_interval_v1's), with the local date each part lies in: with `split`
-- and when it runs past midnight, [start, day + 1 00:00) on `day` and [day + 1 00:00, end) on day + 1 (it is never
-- longer than 24 hours, so it crosses at most one midnight); otherwise the whole interval, on `day`.
-- Plain SQL and immutable: inlined where it is called.
create or replace function local_day_parts_v1(p_day date, p_local tsrange, p_split boolean)
returns table (day date, local tsrange)
language sql immutable parallel safe as $$
    select p_day, case when p_split and upper(p_local) > p_day + 1 then tsrange(lower(p_local), (p_day + 1)::timestamp)
                       else p_local end
    union all
    select p_day + 1, tsrange((p_day + 1)::timestamp, upper(p_local))
    where p_split and upper(p_local) > p_day + 1
$$;
