-- The loader's staging area. Not part of the data model (prisma/schema.prisma describes `public` only):
-- UNLOGGED tables that hold one load's validated rows between the parallel COPY stage and the single
-- transaction that moves them into the real tables. One load runs at a time (an advisory lock), and every
-- load empties them first, so rows left by a killed load never leak into the next.
create schema staging;

create unlogged table staging.poll (
    store_id      text        not null,
    status        poll_status not null,
    timestamp_utc timestamptz not null
);

create unlogged table staging.hours (
    line             bigint   not null,
    store_id         text     not null,
    day_of_week      smallint not null,
    start_time_local time     not null,
    end_time_local   time     not null
);

create unlogged table staging.timezone (
    line         bigint not null,
    store_id     text   not null,
    timezone_str text   not null
);

create unlogged table staging.reject (
    file   text   not null,
    line   bigint not null,
    reason text   not null,
    raw    text
);

-- Splits one CSV line into fields, honouring double quotes ("a,b" is one field, "" inside quotes is a quote).
-- Called only for lines that contain a quote; plain lines use string_to_array, which is much faster.
create function staging.csv_fields(line text) returns text[]
language sql immutable strict parallel safe as $$
    select coalesce(array_agg(
               case when m[1] like '"%"' then replace(substr(m[1], 2, length(m[1]) - 2), '""', '"') else m[1] end
               order by n), '{}')
    from regexp_matches(',' || line, ',("(?:[^"]|"")*"|[^,]*)', 'g') with ordinality as t(m, n)
$$;

-- True when the text is a timestamp the loader accepts: `YYYY-MM-DD HH:MM:SS[.ffffff]` with a space or `T`,
-- optionally followed by ` UTC`, `Z` or a numeric offset; a real calendar date (no 2023-02-30).
-- A regular expression first, so that casting never raises on the fast path; days 29-31 are checked against
-- the month's length.
create function staging.is_timestamp(t text) returns boolean
language sql immutable strict parallel safe as $$
    select t ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})? ?(UTC|Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'
       and (substr(t, 9, 2) <= '28'
            or substr(t, 9, 2)::int <= extract(day from make_date(substr(t, 1, 4)::int, substr(t, 6, 2)::int, 1)
                                                        + interval '1 month - 1 day'))
$$;

-- True for a local wall-clock time `H:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff` between 00:00 and 23:59:59.999999.
create function staging.is_time(t text) returns boolean
language sql immutable strict parallel safe as $$
    select t ~ '^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$'
$$;

-- The durable half of the loader's two-phase commit: a load id is written here (and committed) after every
-- part of the load is prepared and before any is committed. A load interrupted after that point is committed
-- by the next load; one interrupted before it is rolled back.
create table staging.load_decision (
    load_id    text primary key,
    decided_at timestamptz not null default now()
);
