"""What `python -m app tenant ...` and `key ...` do, on a pool: checks and messages here, SQL in the manager."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.access.manager import AccessManager, KeyInfo, RemovedTenant, TenantInfo
from app.access.tokens import KEY_PREFIX, new_token
from app.db.models import ApiRole
from app.errors import AdministrationError, KeyNotFound, NameTaken, TenantNotFound
from app.report.parameters import store_id_problem

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


@dataclass(frozen=True)
class TenantStores:
    name: str
    created: bool
    added: int
    stores: int


@dataclass(frozen=True)
class CreatedKey:
    info: KeyInfo
    token: str  # shown once

    def __repr__(self) -> str:
        return f"CreatedKey(info={self.info!r})"


def check_name(kind: str, name: str) -> str:
    if not _NAME.fullmatch(name):
        raise AdministrationError(f"{kind} name {name!r} is not valid: use 1-63 letters, digits, '.', '_' or '-', "
                                  "starting with a letter or digit")
    return name


def read_store_ids(given: Iterable[str] = (), files: Iterable[Path] = ()) -> list[str]:
    """Store ids from the command line and from files of one id per line (blank lines, `#` comments and a
    `store_id` header line are skipped), without repeats, each checked."""
    ids = [s.strip() for s in given]
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise AdministrationError(f"cannot read {path}: {exc}") from exc
        for number, line in enumerate(lines, 1):
            text = line.strip()
            if not text or text.startswith("#") or (number == 1 and text.lower() == "store_id"):
                continue
            if (problem := store_id_problem(text)) is not None:
                raise AdministrationError(f"{path}, line {number}: the store id {problem}")
            ids.append(text)
    for store_id in ids:
        if (problem := store_id_problem(store_id)) is not None:
            raise AdministrationError(f"the store id {store_id!r} {problem}")
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise AdministrationError("no store ids given: use --store ID (repeatable) or --stores-file FILE")
    return unique


async def add_tenant(pool: asyncpg.Pool, name: str, store_ids: list[str]) -> TenantStores:
    """Create the tenant, or extend it, with these stores."""
    manager = AccessManager(pool)
    tenant_id, created = await manager.add_tenant(check_name("tenant", name))
    added, stores = await manager.add_tenant_stores(tenant_id, store_ids)
    return TenantStores(name, created, added, stores)


async def list_tenants(pool: asyncpg.Pool) -> list[TenantInfo]:
    return await AccessManager(pool).tenants()


async def remove_tenant(pool: asyncpg.Pool, name: str) -> RemovedTenant:
    removed = await AccessManager(pool).remove_tenant(name)
    if removed is None:
        raise TenantNotFound(f"there is no tenant {name!r} (`python -m app tenant list` shows them)")
    return removed


async def create_key(pool: asyncpg.Pool, name: str, role: ApiRole, tenant: str | None) -> CreatedKey:
    manager = AccessManager(pool)
    check_name("key", name)
    if (role is ApiRole.admin) != (tenant is None):
        raise AdministrationError("an admin key has no tenant; a read or write key needs --tenant")
    tenant_id = None
    if tenant is not None:
        tenant_id = await manager.tenant_id(tenant)
        if tenant_id is None:
            raise TenantNotFound(f"there is no tenant {tenant!r}: add it first with `python -m app tenant add`")
    token = new_token(KEY_PREFIX)
    created_at = await manager.create_key(name, token.lookup_id, token.digest, role, tenant_id)
    if created_at is None:
        raise NameTaken(f"a key named {name!r} exists: choose another name, or revoke it first")
    return CreatedKey(KeyInfo(name, role, tenant, token.lookup_id, created_at), token.token)


async def list_keys(pool: asyncpg.Pool) -> list[KeyInfo]:
    return await AccessManager(pool).keys()


async def revoke_key(pool: asyncpg.Pool, name: str) -> KeyInfo:
    revoked = await AccessManager(pool).revoke_key(name)
    if revoked is None:
        raise KeyNotFound(f"there is no key {name!r} (`python -m app key list` shows them)")
    return revoked
