-- Who may see what (issue 12): tenants (named sets of stores), API keys (admin, or a tenant's with a role), the web
-- page's sessions, the workers' heartbeats (readiness), and each report's tenant and key.
-- Only hashes of keys and session tokens are stored: a token is `<prefix><lookup id><secret>`, found by its lookup
-- id (not secret: `key list` shows it) and checked against the SHA-256 of the whole token in constant time.

create table tenant (
    id         bigint generated always as identity primary key,
    name       text        not null unique check (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    created_at timestamptz not null default now()
);

-- The stores of a tenant. A store may be in several tenants (a brand and its franchisee), and need not have polls
-- yet.
create table tenant_store (
    tenant_id bigint not null references tenant (id) on delete cascade,
    store_id  text   not null check (store_id <> ''),
    primary key (tenant_id, store_id)
);

create type api_role as enum ('admin', 'read', 'write');

-- An admin key has no tenant; every other key belongs to exactly one. Revoking a key deletes its row (and its
-- sessions); its reports stay with their tenant.
create table api_key (
    id          bigint generated always as identity primary key,
    name        text        not null unique check (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    lookup_id   text        not null unique,
    secret_hash bytea       not null check (length(secret_hash) = 32),
    role        api_role    not null,
    tenant_id   bigint      references tenant (id) on delete cascade,
    created_at  timestamptz not null default now(),
    constraint api_key_admin_has_no_tenant check ((role = 'admin') = (tenant_id is null))
);

-- A signed-in browser: the cookie holds the token, this table its hash. Ends with its key.
create table web_session (
    lookup_id  text        primary key,
    token_hash bytea       not null check (length(token_hash) = 32),
    api_key_id bigint      not null references api_key (id) on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
);
create index web_session_expires_idx on web_session (expires_at);

-- Each running worker's last sign of life (readiness: is any worker alive?).
create table worker_heartbeat (
    worker_id  text        primary key,
    started_at timestamptz not null default now(),
    seen_at    timestamptz not null default now()
);

-- The tenant whose keys see the report (null: admin keys only) and the key that triggered it (the per-key limit).
alter table report
    add column tenant_id  bigint references tenant (id) on delete set null,
    add column api_key_id bigint references api_key (id) on delete set null;
create index report_tenant_queued_at_idx on report (tenant_id, queued_at desc);
