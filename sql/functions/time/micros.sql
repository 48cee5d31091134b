-- micros_v1(instant): the instant in microseconds since 1970-01-01 UTC, exactly, as TimescaleDB's own conversion (C)
-- gives it. Lengths summed as these integers cost a by-value addition per piece; summed as intervals, a new interval
-- per piece and sum (and extract(epoch) is numeric, slower still).
-- Plain SQL and immutable: inlined where it is called, and folded when planned for a constant.
create or replace function micros_v1(p_at timestamptz) returns bigint
language sql immutable strict parallel safe as $$
    select _timescaledb_functions.to_unix_microseconds(p_at)
$$;
