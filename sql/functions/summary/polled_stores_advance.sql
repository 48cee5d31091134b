-- polled_stores_advance_v1(store_ids, timestamps, known): the registry's latest state (status, since when, newest
-- poll) after polls appended (given as parallel arrays, as summary_absorb_polls_v1 gets them), once the summary holds
-- them. A store the registry knew before (in `known`) whose new polls all come after its newest poll is advanced from
-- its state and the summary rows after that poll alone: the status of the newest instant (inactive when polled both
-- ways, rule 8); since when, the first row after the newest instant with the other status, or, when there is none,
-- the state's own `since` if the status stayed and else the first new row. Any other store (new, or polls written
-- before its newest) is set by polled_stores_refresh_v1. So a batch costs in proportion to itself, not to how long its
-- stores have kept their status. Returns the stores updated.
create or replace function polled_stores_advance_v1(p_store_ids text[], p_ts timestamptz[], p_known text[])
returns integer
language plpgsql
set plan_cache_mode = force_custom_plan  -- `oldest` is a constant when planned: only the newest chunks are read
as $$
declare
    appended text[];
    appended_hi timestamptz[];
    oldest timestamptz;
    updated integer := 0;
    others text[];
begin
    -- Joined before grouped, and the update below reads these arrays: the planner knows how many rows an array
    -- holds but guesses 200 groups for a GROUP BY over one, and so probed the registry's index once per store (6 us
    -- each, twice, for an hour of polls of 14,000 stores) where a hash join reads it once.
    select array_agg(b.store_id), array_agg(b.hi), min(b.last_poll_at)
    into appended, appended_hi, oldest
    from (select n.store_id, k.last_poll_at, max(n.ts) as hi
          from unnest(p_store_ids, p_ts) n(store_id, ts)
          join polled_store k on k.store_id = n.store_id
          where n.store_id = any (p_known)
          group by n.store_id, k.last_poll_at
          having min(n.ts) > k.last_poll_at) b;

    if appended is not null then
        with batch as (
            select * from unnest(appended, appended_hi) b(store_id, hi)
        ), instants as (
            -- The summary's rows after each store's newest poll: one per instant, inactive when polled both ways.
            select c.store_id, c.ts, bool_or(c.status = 'inactive') as down
            from status_change c
            join polled_store k on k.store_id = c.store_id
            where c.store_id = any (appended) and c.ts > k.last_poll_at and c.ts > oldest
            group by c.store_id, c.ts
        ), newest as (
            select distinct on (store_id) store_id, down from instants order by store_id, ts desc
        ), turns as (
            select i.store_id, n.down, min(i.ts) as first_ts,
                   max(i.ts) filter (where i.down <> n.down) as turned_at
            from instants i join newest n using (store_id)
            group by i.store_id, n.down
        ), runs as (
            -- Joined and grouped, not a subquery per store: that scanned every instant once per store, and on a day's
            -- first batch (a summary row for every store, as each chunk keeps its first poll) took 11 s for 14,000.
            select t.store_id, t.down, t.first_ts, t.turned_at, min(i.ts) filter (where i.ts > t.turned_at) as run_from
            from turns t
            join instants i using (store_id)
            group by t.store_id, t.down, t.first_ts, t.turned_at
        ), advanced as (
            update polled_store k
            set status = case when r.store_id is null then k.status
                              when r.down then 'inactive'::poll_status else 'active'::poll_status end,
                status_since = case when r.store_id is null then k.status_since
                                    when r.turned_at is not null then r.run_from
                                    when r.down = (k.status = 'inactive') then k.status_since
                                    else r.first_ts end,
                last_poll_at = greatest(k.last_poll_at, b.hi)
            from batch b
            left join runs r on r.store_id = b.store_id
            where k.store_id = b.store_id
            returning 1
        )
        select count(*) into updated from advanced;
    end if;

    others := array(select distinct s from unnest(p_store_ids) s where not (s = any (coalesce(appended, '{}'))));
    if cardinality(others) > 0 then
        updated := updated + polled_stores_refresh_v1(others);
    end if;
    return updated;
end
$$;
