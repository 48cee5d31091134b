-- seconds_v2(microseconds): a sum of pieces' lengths in microseconds (micros_v1's), in exact seconds (numeric, all six
-- decimals kept); no pieces: 0.
create or replace function seconds_v2(p_micros numeric) returns numeric
language sql immutable parallel safe as $$
    select coalesce(p_micros, 0) * 0.000001
$$;
