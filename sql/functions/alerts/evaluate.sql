-- alert_evaluate_v1(now, store_ids): brings incidents up to date as of `now` for the stores among store_ids (null:
-- every store that is down, and every store with an open incident), and writes the outbox rows announcing each
-- change in the same transaction (so a delivery is never lost nor announced for a change that rolled back):
--   * an open incident whose down spell is over (the store's newest poll is active, or a later spell began) is
--     resolved at the first active poll after down_since, with the spell's business minutes up to it;
--   * a store down (newest poll inactive) for at least a rule's min_minutes of business time since down_since gets
--     an incident of that rule, opened at the instant the threshold was reached; rules apply to their `stores`, or
--     to every store when null, and a tenant's rule only to the tenant's stores. One incident per rule, store and
--     spell (a re-evaluation adds nothing).
-- Every outbox row notifies the channel storepulse_webhooks. Returns the incidents opened and resolved.
create or replace function alert_evaluate_v1(p_now timestamptz, p_store_ids text[])
returns table (opened integer, resolved integer)
language plpgsql as $$
declare
    n_opened integer;
    n_resolved integer;
begin
    if not exists (select from alert_rule) then
        return query select 0, 0;
        return;
    end if;
    with ended as (
        select i.id, i.rule_id, i.store_id, i.down_since,
               (select c.ts from status_change c
                where c.store_id = i.store_id and c.ts > i.down_since and c.status = 'active' and c.ts <= p_now
                  and not exists (select from status_change x
                                  where x.store_id = c.store_id and x.ts = c.ts and x.status = 'inactive')
                order by c.ts limit 1) as resolved_at
        from incident i
        join polled_store k on k.store_id = i.store_id
        where i.resolved_at is null
          and (p_store_ids is null or i.store_id in (select unnest(p_store_ids)))
          and (k.status = 'active' or k.status_since > i.down_since)
    ), ending as materialized (
        select * from ended where resolved_at is not null
    ), hours as (
        -- The business hours of every ending spell's store over the span of them all, computed once and cut to
        -- each spell below (a call per incident would plan the business-hours query hundreds of times).
        select *
        from business_hours_of_v1((select min(down_since) from ending), (select max(resolved_at) from ending),
                                  array(select distinct store_id from ending))
    ), closed as (
        update incident i
        set resolved_at = e.resolved_at,
            business_minutes = coalesce(
                (select sum(extract(epoch from upper(r) - lower(r))) / 60
                 from unnest(h.hours * tstzmultirange(tstzrange(e.down_since, e.resolved_at))) r), 0)
        from ending e
        left join hours h on h.store_id = e.store_id
        where i.id = e.id
        returning i.*
    ), announced as (
        insert into webhook_event (rule_id, incident_id, event, payload)
        select c.rule_id, c.id, 'incident.resolved', alert_incident_json_v1(c.id, c.rule_id, c.store_id,
               c.down_since, c.opened_at, c.resolved_at, c.business_minutes)
        from closed c
        returning 1
    )
    select count(*) into n_resolved from announced;

    with spells as (
        select * from alert_down_spells_v1(p_now, p_store_ids)
    ), due as (
        select r.id as rule_id, s.store_id, s.down_since, s.business_minutes,
               alert_threshold_at_v1(s.business, r.min_minutes) as opened_at
        from spells s
        join alert_rule r on r.stores is null or s.store_id = any (r.stores)
        where s.business_minutes >= r.min_minutes
          and (r.tenant_id is null
               or exists (select from tenant_store t where t.tenant_id = r.tenant_id and t.store_id = s.store_id))
    ), added as (
        insert into incident (rule_id, store_id, down_since, opened_at, business_minutes)
        select rule_id, store_id, down_since, opened_at, business_minutes from due
        on conflict (rule_id, store_id, down_since) do nothing
        returning *
    ), announced as (
        insert into webhook_event (rule_id, incident_id, event, payload)
        select a.rule_id, a.id, 'incident.opened', alert_incident_json_v1(a.id, a.rule_id, a.store_id,
               a.down_since, a.opened_at, a.resolved_at, a.business_minutes)
        from added a
        returning 1
    )
    select count(*) into n_opened from announced;

    if n_opened + n_resolved > 0 then
        perform pg_notify('storepulse_webhooks', '');
    end if;
    return query select n_opened, n_resolved;
end
$$;
