-- Which stores are down now while they should be open: stores_down_now_v1(now, store_ids) lists every store among
-- store_ids (null: all) whose newest poll is inactive (the registry, polled_store: only the newest state of each
-- store is read, never the polls) and that is in business hours at `now` (rules 5 and 10), with since when it has
-- been down (the poll that began its run of inactive polls) and its newest poll, newest first.
--
-- In business hours at `now` means open at some instant of (now - 1 µs, now]: business_hours_of_v1 over
-- [now - 1 µs, now] is not empty. Each store's business hours come from business_hours_cache (see
-- sql/migrations/014_business_hours_cache.sql): those of the stores whose cached span does not cover `now` are
-- computed first, over [now - 1 day, now + 2 days], and kept; so a refresh computes only the stores that went down
-- or had their hours changed since the last one. That computation is dynamic SQL so that it is planned with the
-- store ids at hand: a plan kept for a few ids would test each row of store_hours against thousands of them one by
-- one. A read-only transaction (a standby) computes them without keeping them.
create or replace function stores_down_now_v1(p_now timestamptz, p_store_ids text[] default null)
returns table (store_id text, down_since timestamptz, last_poll_at timestamptz)
language plpgsql volatile as $$
declare
    v_at constant timestamptz := p_now - interval '1 microsecond';
    v_missing text[];  -- the stores whose newest poll is inactive and whose cached hours do not cover now
    v_ids text[];      -- the stores down now, with their since and newest poll
    v_since timestamptz[];
    v_last timestamptz[];
begin
    for attempt in 1..2 loop
        select array_agg(k.store_id) filter (where not k.cached),
               array_agg(k.store_id) filter (where k.open), array_agg(k.status_since) filter (where k.open),
               array_agg(k.last_poll_at) filter (where k.open)
        into v_missing, v_ids, v_since, v_last
        from (select p.store_id, p.status_since, p.last_poll_at,
                     coalesce(c.span_from <= v_at and v_at < c.span_to, false) as cached,
                     -- the intervals are sorted and disjoint: open when more of them opened than closed by then
                     coalesce(c.span_from <= v_at and v_at < c.span_to
                              and width_bucket(v_at, c.opens) > width_bucket(v_at, c.closes), false) as open
              from polled_store p
              left join business_hours_cache c on c.store_id = p.store_id
              where p.status = 'inactive' and p.status_since <= p_now
                and (p_store_ids is null or p.store_id in (select unnest(p_store_ids)))) k;
        exit when v_missing is null or attempt = 2;

        if current_setting('transaction_read_only')::boolean then
            return query execute
                'select k.store_id, k.status_since, k.last_poll_at
                 from business_hours_of_v1($1 - interval ''1 microsecond'', $1, $2) h
                 join polled_store k on k.store_id = h.store_id
                 where not isempty(h.hours)
                 order by k.last_poll_at desc, k.store_id'
                using p_now, array(select k.store_id from polled_store k
                                   where k.status = 'inactive' and k.status_since <= p_now
                                     and (p_store_ids is null or k.store_id in (select unnest(p_store_ids))));
            return;
        end if;
        -- A row changed since this statement's snapshot (its generation bumped) is left alone: it was computed
        -- from older hours, and its store is left out this once.
        execute
            'insert into business_hours_cache as c (store_id, generation, span_from, span_to, opens, closes)
             select h.store_id, coalesce(g.generation, 0), $1, $2,
                    array(select lower(r) from unnest(h.hours) r), array(select upper(r) from unnest(h.hours) r)
             from business_hours_of_v1($1, $2, $3) h
             left join business_hours_cache g on g.store_id = h.store_id
             on conflict (store_id) do update
             set span_from = excluded.span_from, span_to = excluded.span_to, opens = excluded.opens,
                 closes = excluded.closes
             where c.generation = excluded.generation'
            using v_at - interval '1 day', v_at + interval '2 days', v_missing;
    end loop;

    return query select * from unnest(v_ids, v_since, v_last) d order by 3 desc, 1;
end
$$;
