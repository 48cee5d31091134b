-- staging.analyze_poll_chunks(lo, hi): ANALYZE of the store_status chunks that overlap [lo, hi): after a load,
-- statistics for the chunks it wrote rather than for the whole hypertable.
create or replace function staging.analyze_poll_chunks(lo timestamptz, hi timestamptz) returns void
language plpgsql as $$
declare
    chunk regclass;
begin
    for chunk in
        select c.chunk::oid::regclass from status_change_chunks_v1() c where c.range_start < hi and c.range_end > lo
    loop
        execute format('analyze %s', chunk);
    end loop;
end
$$;
