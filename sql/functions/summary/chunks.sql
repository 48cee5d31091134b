-- status_change_chunks_v1(): the chunks of store_status (oid, time range), read from TimescaleDB's catalog the way
-- its timescaledb_information.chunks view does, minus the view's window over every hypertable's chunks, which
-- cannot be filtered first and made this several times slower (it runs in every report statement).
-- store_status has one dimension, time.
create or replace function status_change_chunks_v1()
returns table (chunk bigint, range_start timestamptz, range_end timestamptz)
language sql stable as $$
    select format('%I.%I', ch.schema_name, ch.table_name)::regclass::oid::bigint,
           _timescaledb_functions.to_timestamp(sl.range_start), _timescaledb_functions.to_timestamp(sl.range_end)
    from _timescaledb_catalog.hypertable h
    join _timescaledb_catalog.chunk ch on ch.hypertable_id = h.id and not ch.dropped
    join _timescaledb_catalog.chunk_constraint cc on cc.chunk_id = ch.id
    join _timescaledb_catalog.dimension_slice sl on sl.id = cc.dimension_slice_id
    where h.schema_name = current_schema() and h.table_name = 'store_status'
$$;
