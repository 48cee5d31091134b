-- newest_poll_v1(): the newest poll, a report's default `now` (rule 1). store_status has no index on time alone, so
-- max(timestamp_utc) would read every chunk; the newest poll is in the newest non-empty chunk, so chunks are read
-- newest first until one has a row (in practice one chunk: 45-80 ms for a day of hourly polls of 14,000 stores,
-- so callers read it once per statement).
create or replace function newest_poll_v1() returns timestamptz
language plpgsql stable as $$
declare
    chunk regclass;
    newest timestamptz;
begin
    for chunk in select c.chunk::oid::regclass from status_change_chunks_v1() c order by c.range_end desc
    loop
        execute format('select max(timestamp_utc) from %s', chunk) into newest;
        if newest is not null then
            return newest;
        end if;
    end loop;
    return null;
end
$$;
