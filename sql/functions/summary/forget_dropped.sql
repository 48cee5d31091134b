-- status_change_forget_dropped_v1(): the summaries of dropped chunks of store_status (drop_chunks, a TRUNCATE of the
-- hypertable) go: their records and rows. A chunk made since over part of such a range loses its record too (it is
-- summarized again next), so no row of the old chunk can pass for one of the new; the registry forgets what it
-- knew from those rows (polled_stores_recheck_v1). Returns the chunks forgotten.
create or replace function status_change_forget_dropped_v1() returns integer
language plpgsql as $$
declare
    gone tstzmultirange;
    span tstzrange;
    forgotten integer;
begin
    with dropped as (
        delete from status_change_chunk r
        where not exists (select from status_change_chunks_v1() c where c.chunk = r.chunk)
        returning tstzrange(r.range_start, r.range_end) as span
    )
    select range_agg(dropped.span), count(*) into gone, forgotten from dropped;
    if forgotten = 0 then
        return 0;
    end if;
    delete from status_change c where c.ts >= lower(gone) and c.ts < upper(gone) and gone @> c.ts;
    delete from status_change_chunk r where gone && tstzrange(r.range_start, r.range_end);
    for span in select unnest(gone) loop
        perform polled_stores_recheck_v1(lower(span), upper(span));
    end loop;
    return forgotten;
end
$$;
