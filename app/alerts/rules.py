"""Alert rules and incidents: what the API's /alert_rules and /incidents and the web page read and write (SQL in
sql/queries/alerts.sql). A rule belongs to a tenant, or to the admins (tenant None). A `scope` is whose rules a
caller sees: a tenant's id, or None for an admin (every rule)."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from urllib.parse import urlsplit

import asyncpg

from app.alerts.urls import check_webhook_url
from app.db.queries import queries
from app.errors import AlertRuleConflict


def shown_url(url: str) -> str:
    """A webhook URL as listings show it: scheme and host only. Receivers such as chat services put their token in
    the path, so the whole URL is a secret of the rule's, like its signing secret."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…" if parts.path not in ("", "/") or parts.query else url


async def create_rule(conn: asyncpg.Connection, tenant_id: int | None, name: str, min_minutes: Decimal,
                      webhook_url: str, secret: str, stores: Sequence[str] | None,
                      allow_loopback: bool) -> asyncpg.Record:
    await check_webhook_url(webhook_url, allow_loopback)
    created = await conn.fetchrow(queries["create_alert_rule"], tenant_id, name, min_minutes, webhook_url, secret,
                                  None if stores is None else list(stores))
    if created is None:
        raise AlertRuleConflict(f"there is already a rule named {name!r}")
    return created


async def list_rules(conn: asyncpg.Connection, scope: int | None) -> list[asyncpg.Record]:
    return await conn.fetch(queries["list_alert_rules"], scope)


async def delete_rule(conn: asyncpg.Connection, rule_id: uuid.UUID, scope: int | None) -> bool:
    return await conn.fetchval(queries["delete_alert_rule"], rule_id, scope) is not None


async def list_incidents(conn: asyncpg.Connection, scope: int | None, open_only: bool, store_id: str | None = None,
                         limit: int = 500) -> list[asyncpg.Record]:
    return await conn.fetch(queries["list_incidents"], scope, open_only, store_id, limit)


async def failed_deliveries(conn: asyncpg.Connection, scope: int | None, limit: int = 50) -> list[asyncpg.Record]:
    return await conn.fetch(queries["failed_webhooks"], scope, limit)


async def alert_stats(conn: asyncpg.Connection) -> asyncpg.Record:
    return await conn.fetchrow(queries["alert_stats"])
