-- The triggers of business_hours_cache (created in sql/migrations/014_business_hours_cache.sql): a change of a
-- store's weekly hours, special hours or time zone bumps its generation and clears its cached hours
-- (business_hours_cache_forget_v1, from the statement's transition tables: one statement per load, whatever its
-- size); a truncate of those tables, or a change of the known zone names, clears them all
-- (business_hours_cache_clear_v1). SECURITY DEFINER: a role that may edit hours need not be granted anything on the
-- cache.
create or replace function business_hours_cache_forget_v1() returns trigger
language plpgsql security definer set search_path from current as $$
declare
    changed text[] := '{}';
begin
    if tg_op in ('INSERT', 'UPDATE') then
        changed := changed || array(select store_id from changed_new);
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
        changed := changed || array(select store_id from changed_old);
    end if;
    insert into business_hours_cache as c (store_id, generation)
    select distinct store_id, 1 from unnest(changed) s(store_id)
    on conflict (store_id) do update
    set generation = c.generation + 1, span_from = null, span_to = null, opens = '{}', closes = '{}';
    return null;
end
$$;

create or replace function business_hours_cache_clear_v1() returns trigger
language plpgsql security definer set search_path from current as $$
begin
    -- The migrator refreshes known_zone on every run, mostly changing nothing. (Nested: a condition naming the
    -- transition table a trigger does not have fails.)
    if tg_op = 'INSERT' then
        if not exists (select from changed_new) then
            return null;
        end if;
    elsif tg_op = 'DELETE' then
        if not exists (select from changed_old) then
            return null;
        end if;
    end if;
    update business_hours_cache
    set generation = generation + 1, span_from = null, span_to = null, opens = '{}', closes = '{}'
    where span_from is not null;
    return null;
end
$$;
