-- seconds_v1(interval): a sum of pieces' lengths in exact seconds (numeric, microseconds kept); no pieces: 0.
create or replace function seconds_v1(p_length interval) returns numeric
language sql immutable parallel safe as $$
    select extract(epoch from coalesce(p_length, interval '0'))
$$;
