-- Queries of tenants, API keys and web sessions (app/access/manager.py runs them, one method each). Keys and
-- session tokens are stored only as SHA-256 hashes and found by their lookup id; the hash is compared in Python, in
-- constant time.

-- name: access_key_by_lookup
-- The key with lookup id $1 (its hash to compare, its role and tenant).
select k.id, k.name, k.role::text as role, k.tenant_id, t.name as tenant_name, k.secret_hash
from api_key k
left join tenant t on t.id = k.tenant_id
where k.lookup_id = $1::text

-- name: access_session_by_lookup
-- The unexpired session with lookup id $1 and the key it was signed in with.
select s.token_hash, s.expires_at, k.id, k.name, k.role::text as role, k.tenant_id, t.name as tenant_name
from web_session s
join api_key k on k.id = s.api_key_id
left join tenant t on t.id = k.tenant_id
where s.lookup_id = $1::text and s.expires_at > now()

-- name: access_create_session
-- $1 lookup id, $2 token hash, $3 key id, $4 lifetime in seconds. Expired sessions are deleted on the way.
with expired as (
    delete from web_session where expires_at <= now()
)
insert into web_session (lookup_id, token_hash, api_key_id, expires_at)
values ($1::text, $2::bytea, $3::bigint, now() + make_interval(secs => $4::float8))
returning expires_at

-- name: access_end_session
delete from web_session where lookup_id = $1::text

-- name: access_add_tenant
-- Creates tenant $1 unless it exists: its id, and whether it was created now.
with created as (
    insert into tenant (name) values ($1::text) on conflict (name) do nothing
    returning id
)
select id, true as created from created
union all
select id, false from tenant where name = $1::text and not exists (select from created)

-- name: access_add_tenant_stores
-- Adds the ids in $2 that tenant $1 lacks: how many were added, and how many stores it has now.
with added as (
    insert into tenant_store (tenant_id, store_id)
    select $1::bigint, store_id from unnest($2::text[]) as store_id
    on conflict do nothing
    returning 1
)
select (select count(*) from added)::int as added,
       ((select count(*) from tenant_store where tenant_id = $1::bigint)
        + (select count(*) from added))::int as stores

-- name: access_list_tenants
-- Every tenant with its stores (and how many have polls) and keys.
select t.name, t.created_at,
       (select count(*) from tenant_store s where s.tenant_id = t.id)::int as stores,
       (select count(*) from tenant_store s
        where s.tenant_id = t.id and exists (select 1 from store_status p where p.store_id = s.store_id))::int
           as stores_with_polls,
       (select count(*) from api_key k where k.tenant_id = t.id)::int as keys
from tenant t
order by t.name

-- name: access_remove_tenant
-- Deletes tenant $1 with its store list and keys (their sessions go with them); its reports stay, for admin keys
-- only. What it had, counted before the delete.
with removed as (
    delete from tenant where name = $1::text
    returning id, name
)
select removed.name,
       (select count(*) from tenant_store s where s.tenant_id = removed.id)::int as stores,
       (select count(*) from api_key k where k.tenant_id = removed.id)::int as keys,
       (select count(*) from report r where r.tenant_id = removed.id)::int as reports
from removed

-- name: access_tenant_by_name
select id, name from tenant where name = $1::text

-- name: access_create_key
-- $1 name, $2 lookup id, $3 hash, $4 role, $5 tenant id (null for admin). No row back: the name is taken.
insert into api_key (name, lookup_id, secret_hash, role, tenant_id)
values ($1::text, $2::text, $3::bytea, $4::api_role, $5::bigint)
on conflict (name) do nothing
returning created_at

-- name: access_list_keys
-- Every key without its hash: name, role, tenant, lookup id, creation, sessions open now.
select k.name, k.role::text as role, t.name as tenant, k.lookup_id, k.created_at,
       (select count(*) from web_session s where s.api_key_id = k.id and s.expires_at > now())::int as sessions
from api_key k
left join tenant t on t.id = k.tenant_id
order by k.name

-- name: access_revoke_key
-- Deletes key $1 (its sessions go with it; its reports stay with their tenant). No row back: no such key.
with revoked as (
    delete from api_key where name = $1::text
    returning name, role, lookup_id, tenant_id, created_at, id
)
select revoked.name, revoked.role::text as role, t.name as tenant, revoked.lookup_id, revoked.created_at,
       (select count(*) from web_session s where s.api_key_id = revoked.id and s.expires_at > now())::int
           as sessions
from revoked
left join tenant t on t.id = revoked.tenant_id

-- name: access_stores_outside_tenant
-- The ids in $2 that are not stores of tenant $1, in the order given (a primary key probe each).
select requested.store_id
from unnest($2::text[]) with ordinality as requested(store_id, position)
where not exists (select 1 from tenant_store s where s.tenant_id = $1::bigint and s.store_id = requested.store_id)
order by requested.position

-- name: access_tenant_polled_stores
-- The stores of tenant $1 that have polls: a tenant key's report of "every store". In byte order of the ids.
select s.store_id
from tenant_store s
where s.tenant_id = $1::bigint and exists (select 1 from store_status p where p.store_id = s.store_id)
order by s.store_id collate "C"

-- name: access_tenant_store_count
select count(*)::int from tenant_store where tenant_id = $1::bigint
