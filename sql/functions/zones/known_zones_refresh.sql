-- known_zones_refresh_v1(): makes known_zone hold exactly the zone names PostgreSQL's time zone database knows
-- (pg_timezone_names, which reads every zone file on each call, ~30 ms). The migrator calls it on every run, so a
-- tzdata upgrade is picked up by the next `db migrate` or `serve`. Returns the names added or removed.
create or replace function known_zones_refresh_v1() returns integer
language sql volatile as $$
    with current_names as (
        select distinct name from pg_timezone_names
    ), removed as (
        delete from known_zone k where not exists (select from current_names c where c.name = k.name)
        returning 1
    ), added as (
        insert into known_zone (name) select name from current_names on conflict do nothing
        returning 1
    )
    select ((select count(*) from added) + (select count(*) from removed))::int
$$;
