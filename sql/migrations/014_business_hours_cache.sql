-- The live views' cache of business hours (rules 5 and 10). Whether a store is in business hours now takes its
-- weekly rows, special rows and zone through business_hours_of_v1: about a millisecond per twenty stores, so the
-- down-now panel, which asks it of every store whose newest poll is inactive (15,000 at 10x the default sample),
-- would spend most of a second on it at each refresh. Instead each such store's business hours over a span of a few
-- days are kept here once computed (sql/functions/live/down_now.sql fills them on demand), and a refresh only looks
-- them up. A row holds as long as its inputs: the triggers below bump a store's `generation` and clear its hours
-- whenever its weekly hours, special hours or time zone change (all rows when the table is truncated, or when the
-- known zone names change); a fill computed from older inputs than a concurrent change is not stored, because it
-- only replaces a row of the generation it read.
create table business_hours_cache (
    store_id   text          primary key,
    generation bigint        not null default 0,
    span_from  timestamptz,                      -- the span computed; null: not computed since the last change
    span_to    timestamptz,
    opens      timestamptz[] not null default '{}',  -- the business intervals inside the span, in order, merged
    closes     timestamptz[] not null default '{}'
);

create function business_hours_cache_forget_v1() returns trigger
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

create function business_hours_cache_clear_v1() returns trigger
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

create trigger store_hours_insert_forget after insert on store_hours referencing new table as changed_new
for each statement execute function business_hours_cache_forget_v1();
create trigger store_hours_update_forget after update on store_hours
referencing old table as changed_old new table as changed_new
for each statement execute function business_hours_cache_forget_v1();
create trigger store_hours_delete_forget after delete on store_hours referencing old table as changed_old
for each statement execute function business_hours_cache_forget_v1();
create trigger store_hours_truncate_forget after truncate on store_hours
for each statement execute function business_hours_cache_clear_v1();

create trigger special_hours_insert_forget after insert on special_hours referencing new table as changed_new
for each statement execute function business_hours_cache_forget_v1();
create trigger special_hours_update_forget after update on special_hours
referencing old table as changed_old new table as changed_new
for each statement execute function business_hours_cache_forget_v1();
create trigger special_hours_delete_forget after delete on special_hours referencing old table as changed_old
for each statement execute function business_hours_cache_forget_v1();
create trigger special_hours_truncate_forget after truncate on special_hours
for each statement execute function business_hours_cache_clear_v1();

create trigger store_timezone_insert_forget after insert on store_timezone referencing new table as changed_new
for each statement execute function business_hours_cache_forget_v1();
create trigger store_timezone_update_forget after update on store_timezone
referencing old table as changed_old new table as changed_new
for each statement execute function business_hours_cache_forget_v1();
create trigger store_timezone_delete_forget after delete on store_timezone referencing old table as changed_old
for each statement execute function business_hours_cache_forget_v1();
create trigger store_timezone_truncate_forget after truncate on store_timezone
for each statement execute function business_hours_cache_clear_v1();

create trigger known_zone_insert_forget after insert on known_zone referencing new table as changed_new
for each statement execute function business_hours_cache_clear_v1();
create trigger known_zone_delete_forget after delete on known_zone referencing old table as changed_old
for each statement execute function business_hours_cache_clear_v1();
create trigger known_zone_truncate_forget after truncate on known_zone
for each statement execute function business_hours_cache_clear_v1();
