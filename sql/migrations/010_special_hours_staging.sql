-- The loader's staging table for the special hours file (rule 10): its checked rows between the COPY into the
-- landing table and the move into special_hours, like staging.hours for the weekly hours. A row without times is
-- a closed date.
create unlogged table staging.special_hours (
    line             bigint not null,
    store_id         text   not null,
    date_local       date   not null,
    start_time_local time,
    end_time_local   time
) with (autovacuum_enabled = false);
