-- polls_in_range_v1(from, to): the number of polls in [from, to), counted with the range as constants (so only its
-- chunks are read); a summarized chunk records it (status_change_chunk.polls).
create or replace function polls_in_range_v1(p_from timestamptz, p_to timestamptz) returns bigint
language plpgsql stable
set plan_cache_mode = force_custom_plan
as $$
begin
    return (select count(*) from store_status where timestamp_utc >= p_from and timestamp_utc < p_to);
end
$$;
