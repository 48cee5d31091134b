-- A report's outages (rule 11), kept with it once asked for: computed for the report's as_of on the first request
-- (report_outages_v1) and stored, so every later request, the store page and the fleet view read the same list.
create table report_outage (
    report_id uuid        not null references report (id) on delete cascade,
    store_id  text        not null,
    start_utc timestamptz not null,
    end_utc   timestamptz not null,
    primary key (report_id, store_id, start_utc)
);
alter table report add column outages_at timestamptz;  -- when its outages were computed (null: not yet)

-- report_rows_v2 replaces it: the weekly figures and the days' in one pass.
-- (if exists: on a new database function files are applied after every migration, so it never existed there)
drop function if exists report_rows_v1(timestamptz, text, text, text[], timestamptz);
