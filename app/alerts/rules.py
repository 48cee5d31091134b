"""Alert rules and incidents: what the API's /alert_rules and /incidents read and write (SQL in
sql/queries/alerts.sql). A rule belongs to its owner: 'admin' or a tenant's name."""

import uuid
from collections.abc import Sequence
from decimal import Decimal

import asyncpg

from app.alerts.urls import check_webhook_url
from app.db.queries import queries
from app.errors import AlertRuleConflict


async def create_rule(conn: asyncpg.Connection, owner: str, name: str, min_minutes: Decimal, webhook_url: str,
                      secret: str, stores: Sequence[str] | None, allow_loopback: bool) -> asyncpg.Record:
    await check_webhook_url(webhook_url, allow_loopback)
    if await conn.fetchval(queries["alert_rule_exists"], owner, name):
        raise AlertRuleConflict(f"there is already a rule named {name!r}")
    return await conn.fetchrow(queries["create_alert_rule"], owner, name, min_minutes, webhook_url, secret,
                               None if stores is None else list(stores))


async def list_rules(conn: asyncpg.Connection, owner: str | None) -> list[asyncpg.Record]:
    return await conn.fetch(queries["list_alert_rules"], owner)


async def delete_rule(conn: asyncpg.Connection, rule_id: uuid.UUID, owner: str | None) -> bool:
    return await conn.fetchval(queries["delete_alert_rule"], rule_id, owner) is not None


async def list_incidents(conn: asyncpg.Connection, owner: str | None, open_only: bool, store_id: str | None = None,
                         limit: int = 500) -> list[asyncpg.Record]:
    return await conn.fetch(queries["list_incidents"], owner, open_only, store_id, limit)


async def failed_deliveries(conn: asyncpg.Connection, owner: str | None, limit: int = 50) -> list[asyncpg.Record]:
    return await conn.fetch(queries["failed_webhooks"], owner, limit)
