-- Rule 12's days. local_days_v1(from, to, zone): the local dates of `zone` that [from, to] touches, each with its
-- UTC bounds [D 00:00, D + 1 00:00) local (23 or 25 hours on a DST date), converted with AT TIME ZONE. The local
-- midnights a store without hour rows is dated by (status_pieces_v3) and the days the store page draws.
-- Plain SQL: inlined where it is called.
create or replace function local_days_v1(p_from timestamptz, p_to timestamptz, p_zone text)
returns table (day date, starts_at timestamptz, ends_at timestamptz)
language sql stable parallel safe as $$
    select d::date, d at time zone p_zone, (d + interval '1 day') at time zone p_zone
    from generate_series((p_from at time zone p_zone)::date::timestamp, (p_to at time zone p_zone)::date::timestamp,
                         interval '1 day') d
$$;
