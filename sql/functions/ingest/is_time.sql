-- staging.is_time(text): true for a local wall-clock time `H:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff` between 00:00 and
-- 23:59:59.999999 (the loader's check of the hours files' times).
create or replace function staging.is_time(t text) returns boolean
language sql immutable strict parallel safe as $$
    select t ~ '^([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$'
$$;
