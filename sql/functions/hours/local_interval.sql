-- Rule 5's end rules. local_interval_v1(day, start, end): the local wall-clock interval a business-hours row opens on
-- local date `day`. An end of 23:59:59 means midnight (day + 1, 00:00), so 00:00-23:59:59 is the whole day and
-- 23:59:59-23:59:59 one second; otherwise an end at or before the start is on the next day (start = end: 24 hours).
-- Weekly rows, special rows (rule 10) and the all-day interval of a store without weekly rows all go through it.
-- Plain SQL and immutable: inlined where it is called.
create or replace function local_interval_v1(p_day date, p_start time, p_end time) returns tsrange
language sql immutable parallel safe as $$
    select tsrange(p_day + p_start,
                   case when p_end = time '23:59:59' then p_day + 1 + time '00:00'
                        when p_end <= p_start then p_day + 1 + p_end
                        else p_day + p_end end)
$$;
