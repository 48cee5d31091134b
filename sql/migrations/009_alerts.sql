-- Alerts: rules that page someone when a store has been down for a while of its business time, the incidents they
-- open and resolve, and the outbox of webhook deliveries written in the same transactions (sql/functions/alerts).

create table alert_rule (
    id          uuid        primary key default gen_random_uuid(),
    owner       text        not null,  -- who manages it: 'admin', or a tenant's name
    name        text        not null,
    min_minutes numeric     not null check (min_minutes > 0 and min_minutes <= 10080),
    webhook_url text        not null,
    secret      text        not null,  -- signs the deliveries (HMAC-SHA256); never shown again once created
    stores      text[],               -- null: every store the owner may see
    created_at  timestamptz not null default now(),
    unique (owner, name)
);

-- One outage of one store as one rule sees it: from the poll that began the store's run of inactive polls
-- (down_since) to the first active poll after it (resolved_at). It opens once the run has lasted min_minutes of
-- business time (opened_at: the instant it had); business_minutes is that time, up to the evaluation or the end.
create table incident (
    id               uuid        primary key default gen_random_uuid(),
    rule_id          uuid        not null references alert_rule (id) on delete cascade,
    store_id         text        not null,
    down_since       timestamptz not null,
    opened_at        timestamptz not null,
    detected_at      timestamptz not null default now(),
    resolved_at      timestamptz,
    business_minutes numeric     not null,
    unique (rule_id, store_id, down_since)
);
create index incident_open_idx on incident (store_id) where resolved_at is null;

-- The outbox: one row per event to deliver, written with the incident change it announces; the deliverer (in the
-- worker) posts it until the receiver says 2xx, with exponential backoff, and gives up after a number of tries.
create table webhook_event (
    id              uuid        primary key default gen_random_uuid(),
    rule_id         uuid        not null references alert_rule (id) on delete cascade,
    incident_id     uuid        not null references incident (id) on delete cascade,
    event           text        not null check (event in ('incident.opened', 'incident.resolved')),
    payload         jsonb       not null,
    created_at      timestamptz not null default now(),
    attempts        integer     not null default 0,
    next_attempt_at timestamptz not null default now(),
    delivered_at    timestamptz,
    failed_at       timestamptz,
    last_error      text
);
create index webhook_event_due_idx on webhook_event (next_attempt_at) where delivered_at is null and failed_at is null;
