-- The trigger after a DELETE on report (sql/migrations/016_report_rows_unchecked.sql): the deleted reports' rows
-- (with their days and outages) go too. The statement takes its own snapshot (READ COMMITTED), after the delete
-- waited for any statement still storing rows of these reports (each share-locks its report's row first), so it
-- sees and deletes what such a statement committed.
create or replace function report_rows_forget_v1() returns trigger
language plpgsql as $$
begin
    delete from report_row where report_id in (select id from deleted);
    return null;
end
$$;
