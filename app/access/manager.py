"""AccessManager: the only code that runs the SQL of tenants, keys and sessions (sql/queries/access.sql), one method
per query. Tokens never reach the database: only their lookup ids and hashes do."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from app.access.caller import Caller
from app.db.models import ApiRole
from app.db.queries import queries


@dataclass(frozen=True)
class StoredKey:
    caller: Caller
    digest: bytes  # the SHA-256 to compare the presented token with


@dataclass(frozen=True)
class StoredSession:
    caller: Caller
    digest: bytes
    expires_at: datetime


@dataclass(frozen=True)
class KeyInfo:
    """A key as `key list` shows it: everything but its hash."""

    name: str
    role: ApiRole
    tenant: str | None
    lookup_id: str
    created_at: datetime
    sessions: int = 0


@dataclass(frozen=True)
class TenantInfo:
    name: str
    created_at: datetime
    stores: int
    stores_with_polls: int
    keys: int


@dataclass(frozen=True)
class RemovedTenant:
    name: str
    stores: int
    keys: int
    reports: int


def _caller(record: asyncpg.Record) -> Caller:
    return Caller(record["id"], record["name"], ApiRole(record["role"]), record["tenant_id"], record["tenant_name"])


def _key_info(record: asyncpg.Record) -> KeyInfo:
    return KeyInfo(record["name"], ApiRole(record["role"]), record.get("tenant"), record["lookup_id"],
                   record["created_at"], record.get("sessions", 0))


class AccessManager:
    def __init__(self, pool: asyncpg.Pool):
        self.pool = pool

    # --- authentication ----------------------------------------------------------------------------------------
    async def key(self, lookup_id: str) -> StoredKey | None:
        record = await self.pool.fetchrow(queries["access_key_by_lookup"], lookup_id)
        return None if record is None else StoredKey(_caller(record), record["secret_hash"])

    async def session(self, lookup_id: str) -> StoredSession | None:
        record = await self.pool.fetchrow(queries["access_session_by_lookup"], lookup_id)
        return None if record is None else StoredSession(_caller(record), record["token_hash"], record["expires_at"])

    async def create_session(self, lookup_id: str, digest: bytes, key_id: int, seconds: float) -> datetime:
        return await self.pool.fetchval(queries["access_create_session"], lookup_id, digest, key_id, seconds)

    async def end_session(self, lookup_id: str) -> None:
        await self.pool.execute(queries["access_end_session"], lookup_id)

    # --- the caller's stores -----------------------------------------------------------------------------------
    async def stores_outside_tenant(self, tenant_id: int, store_ids: Sequence[str]) -> list[str]:
        rows = await self.pool.fetch(queries["access_stores_outside_tenant"], tenant_id, list(store_ids))
        return [r["store_id"] for r in rows]

    async def tenant_polled_stores(self, tenant_id: int) -> list[str]:
        return [r["store_id"] for r in await self.pool.fetch(queries["access_tenant_polled_stores"], tenant_id)]

    async def tenant_store_count(self, tenant_id: int) -> int:
        return await self.pool.fetchval(queries["access_tenant_store_count"], tenant_id)

    # --- administration (the command line) ---------------------------------------------------------------------
    async def add_tenant(self, name: str) -> tuple[int, bool]:
        record = await self.pool.fetchrow(queries["access_add_tenant"], name)
        return record["id"], record["created"]

    async def add_tenant_stores(self, tenant_id: int, store_ids: Sequence[str]) -> tuple[int, int]:
        record = await self.pool.fetchrow(queries["access_add_tenant_stores"], tenant_id, list(store_ids))
        return record["added"], record["stores"]

    async def tenants(self) -> list[TenantInfo]:
        return [TenantInfo(**dict(r)) for r in await self.pool.fetch(queries["access_list_tenants"])]

    async def remove_tenant(self, name: str) -> RemovedTenant | None:
        record = await self.pool.fetchrow(queries["access_remove_tenant"], name)
        return None if record is None else RemovedTenant(**dict(record))

    async def tenant_id(self, name: str) -> int | None:
        record = await self.pool.fetchrow(queries["access_tenant_by_name"], name)
        return None if record is None else record["id"]

    async def create_key(self, name: str, lookup_id: str, digest: bytes, role: ApiRole,
                         tenant_id: int | None) -> datetime | None:
        """When it was created; None when the name is taken."""
        record = await self.pool.fetchrow(queries["access_create_key"], name, lookup_id, digest, role.value,
                                          tenant_id)
        return None if record is None else record["created_at"]

    async def keys(self) -> list[KeyInfo]:
        return [_key_info(r) for r in await self.pool.fetch(queries["access_list_keys"])]

    async def revoke_key(self, name: str) -> KeyInfo | None:
        record = await self.pool.fetchrow(queries["access_revoke_key"], name)
        return None if record is None else _key_info(record)
