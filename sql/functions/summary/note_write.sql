-- Every statement that writes store_status (the loader's COPY, timescaledb-parallel-copy's, anyone's INSERT, UPDATE,
-- DELETE or TRUNCATE) adds a row to status_change_pending in the writer's own transaction: one row per statement
-- whatever its size (a row-level trigger would slow COPY many times over). A writer that knows which polls it
-- writes says so in the setting storepulse.poll_range (a tstzrange); any other may have written anywhere. One that
-- brings the summary up to date itself after committing (the loader) names itself in storepulse.writer. SECURITY
-- DEFINER: a role that may write store_status need not be granted anything on the bookkeeping table.
create or replace function status_change_note_write_v1() returns trigger
language plpgsql security definer set search_path from current as $$
declare
    written tstzrange := nullif(current_setting('storepulse.poll_range', true), '')::tstzrange;
begin
    insert into status_change_pending (operation, polls_from, polls_to, writer)
    values (tg_op, lower(written), upper(written), nullif(current_setting('storepulse.writer', true), ''));
    return null;
end
$$;

create or replace trigger store_status_note_write after insert or update or delete or truncate on store_status
for each statement execute function status_change_note_write_v1();
