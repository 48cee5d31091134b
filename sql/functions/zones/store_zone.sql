-- Rule 4. store_zone_v1(timezone_str): the zone of a store whose timezone_str is this (null: the store has none):
-- the name itself when PostgreSQL's time zone database knows it, spelled exactly so (known_zone), else
-- America/Chicago. Set-returning so that, called in FROM (`cross join lateral store_zone_v1(t.timezone_str) z`), it
-- is inlined and the known names are hashed once per statement.
create or replace function store_zone_v1(p_timezone_str text) returns table (zone text)
language sql stable parallel safe as $$
    select case when p_timezone_str in (select name from known_zone) then p_timezone_str
                else 'America/Chicago' end
$$;
