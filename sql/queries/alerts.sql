-- Queries of alerts (app/alerts): rules, incidents, and the webhook outbox the deliverer works through.

-- A rule's tenant_id is null for an admin's rule. "Scope" below: a tenant's id (its own rules only) or null (an
-- admin: every rule).

-- name: create_alert_rule
-- Null when the tenant already has a rule of that name (the unique index decides, so two at once cannot both win).
insert into alert_rule (tenant_id, name, min_minutes, webhook_url, secret, stores)
values ($1, $2, $3, $4, $5, $6)
on conflict (coalesce(tenant_id, 0), name) do nothing
returning id, tenant_id, name, min_minutes, webhook_url, stores, created_at

-- name: list_alert_rules
-- $1 the scope.
select r.id, r.tenant_id, t.name as tenant, r.name, r.min_minutes, r.webhook_url, r.stores, r.created_at
from alert_rule r
left join tenant t on t.id = r.tenant_id
where $1::bigint is null or r.tenant_id = $1
order by r.created_at, r.id

-- name: delete_alert_rule
-- $2 the scope; its incidents and undelivered events go with it.
delete from alert_rule where id = $1 and ($2::bigint is null or tenant_id = $2) returning id

-- name: list_incidents
-- $1 the scope, $2 open only, $3 one store (null: all), $4 limit. Newest first.
select i.id, i.rule_id, r.name as rule, i.store_id, i.down_since, i.opened_at, i.detected_at, i.resolved_at,
       round(i.business_minutes, 2) as business_minutes
from incident i
join alert_rule r on r.id = i.rule_id
where ($1::bigint is null or r.tenant_id = $1) and (not $2 or i.resolved_at is null)
  and ($3::text is null or i.store_id = $3)
order by i.opened_at desc, i.id
limit $4

-- name: evaluate_alerts
-- $1 the clock ('wall': now(); 'data': the newest poll), $2 the stores (null: every store down or with an open
-- incident). The clock is read once (the newest poll reads the newest chunk).
select e.opened, e.resolved
from (select case when $1::text = 'data' then newest_poll_v1() else now() end as at offset 0) c
cross join lateral (select * from alert_evaluate_v1(c.at, $2::text[]) where c.at is not null) e

-- name: claim_due_webhook
-- The oldest event due for delivery, locked until this transaction ends (a deliverer killed mid-delivery leaves it
-- to the next), with what signing and posting it needs. An incident's events go out in order: one waits while an
-- earlier one of its incident is still being retried.
select e.id, e.event, e.payload, e.attempts, e.created_at, r.webhook_url, r.secret
from webhook_event e
join alert_rule r on r.id = e.rule_id
where e.delivered_at is null and e.failed_at is null and e.next_attempt_at <= now()
  and not exists (select from webhook_event p
                  where p.incident_id = e.incident_id and p.created_at < e.created_at
                    and p.delivered_at is null and p.failed_at is null)
order by e.next_attempt_at, e.created_at
limit 1
for update of e skip locked

-- name: next_webhook_due_in
-- Seconds until the next event is due (null: none waiting).
select greatest(extract(epoch from min(next_attempt_at) - now()), 0)::float8
from webhook_event
where delivered_at is null and failed_at is null

-- name: mark_webhook_delivered
update webhook_event set delivered_at = now(), attempts = attempts + 1, last_error = null where id = $1

-- name: mark_webhook_retry
-- $2 seconds until the next try, $3 what went wrong.
update webhook_event
set attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8), last_error = $3
where id = $1

-- name: mark_webhook_failed
update webhook_event set attempts = attempts + 1, failed_at = now(), last_error = $2 where id = $1

-- name: failed_webhooks
-- The deliveries given up on, newest first ($1 the scope; $2 limit).
select e.id, e.event, r.name as rule, e.attempts, e.failed_at, e.last_error,
       e.payload ->> 'store_id' as store_id
from webhook_event e
join alert_rule r on r.id = e.rule_id
where e.failed_at is not null and ($1::bigint is null or r.tenant_id = $1)
order by e.failed_at desc
limit $2

-- name: alert_stats
-- For GET /metrics: open incidents, webhook events waiting for delivery and given up on (partial indexes: the
-- delivered events, which accumulate, are not counted).
select (select count(*) from incident where resolved_at is null)::bigint as open_incidents,
       (select count(*) from webhook_event where delivered_at is null and failed_at is null)::bigint as pending,
       (select count(*) from webhook_event where failed_at is not null)::bigint as failed
