-- staging.is_date(text): true for a calendar date written `YYYY-MM-DD` (year 0001 to 9999) that exists, such as
-- 2024-02-29 and not 2023-02-29 (the loader's check of the special hours file's dates; never raises).
create or replace function staging.is_date(t text) returns boolean
language sql immutable strict parallel safe as $$
    select case
        when t !~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' or left(t, 4) = '0000' then false
        else substr(t, 9, 2)::int <= extract(day from make_date(left(t, 4)::int, substr(t, 6, 2)::int, 1)
                                                       + interval '1 month' - interval '1 day')
    end
$$;
