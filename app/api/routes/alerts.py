"""Alert rules and their incidents: `POST|GET /alert_rules`, `DELETE /alert_rules/{rule_id}`, `GET /incidents`.
A tenant's key sees its tenant's rules and incidents; its write key manages them, and its rules watch its stores
only. An admin key sees and manages every rule; its own rules may watch every store."""

import uuid
from decimal import Decimal
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Path, Query, Request, Response, status

from app.access.caller import Caller
from app.alerts.rules import create_rule, delete_rule, list_incidents, list_rules, shown_url
from app.api.auth import ReadCaller, WriteStores
from app.api.deps import PoolDep
from app.api.responses import AUTH, BODY, responses
from app.api.schemas import AlertRuleIn, AlertRuleOut, IncidentOut
from app.errors import AlertRuleNotFound
from app.jobs.actions import clean_store_ids

router = APIRouter(tags=["alerts"])

MAX_INCIDENTS = 1_000


def scope(caller: Caller) -> int | None:
    """Whose rules the caller sees: its tenant's, or every rule (None) for an admin key."""
    return None if caller.admin else caller.tenant_id


def _rule_out(row: asyncpg.Record | dict) -> AlertRuleOut:
    return AlertRuleOut(id=row["id"], name=row["name"], min_minutes=row["min_minutes"],
                        webhook_url=shown_url(row["webhook_url"]), stores=row["stores"], tenant=row["tenant"],
                        created_at=row["created_at"])


@router.post("/alert_rules", status_code=status.HTTP_201_CREATED, response_model=AlertRuleOut,
             responses=responses(AUTH, BODY, 409, _409="The tenant already has a rule of that name",
                                 _422="Invalid rule: a bad body, a webhook URL of this machine or a private network, "
                                      "store ids outside the key's tenant (named)"))
async def post_alert_rule(request: Request, rule: AlertRuleIn, pool: PoolDep, mine: WriteStores) -> AlertRuleOut:
    """Create a rule: once a store it watches has been down (newest poll inactive) for `min_minutes` of business
    time, an incident opens and `incident.opened` is POSTed to `webhook_url`; the first active poll resolves it."""
    stores = None
    if rule.stores is not None:
        stores = clean_store_ids(rule.stores)
        await mine.check(stores)
    caller = mine.caller
    async with pool.acquire() as conn:
        created = await create_rule(conn, scope(caller), rule.name.strip(), Decimal(str(rule.min_minutes)),
                                    rule.webhook_url, rule.secret, stores,
                                    request.app.state.settings.webhook_allow_loopback)
    return _rule_out({**created, "tenant": None if caller.admin else caller.tenant_name})


@router.get("/alert_rules", response_model=list[AlertRuleOut], responses=responses(AUTH))
async def get_alert_rules(pool: PoolDep, caller: ReadCaller) -> list[AlertRuleOut]:
    """The rules the key sees (never their secrets), oldest first."""
    async with pool.acquire() as conn:
        return [_rule_out(r) for r in await list_rules(conn, scope(caller))]


@router.delete("/alert_rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=responses(AUTH, 404, 422, _404="No such rule among the key's tenant's"))
async def delete_alert_rule(rule_id: Annotated[uuid.UUID, Path()], pool: PoolDep, mine: WriteStores) -> Response:
    """Delete a rule, its incidents and its undelivered events."""
    async with pool.acquire() as conn:
        if not await delete_rule(conn, rule_id, scope(mine.caller)):
            raise AlertRuleNotFound("Alert rule not found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/incidents", response_model=list[IncidentOut], responses=responses(AUTH, 422))
async def get_incidents(
    pool: PoolDep, caller: ReadCaller,
    open_only: Annotated[bool, Query(alias="open", description="Only incidents not resolved yet")] = False,
    store_id: Annotated[str | None, Query(min_length=1, max_length=255, description="Only this store's")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_INCIDENTS, description="At most this many")] = 200,
) -> list[IncidentOut]:
    """Incidents of the rules the key sees, most recently opened first."""
    async with pool.acquire() as conn:
        rows = await list_incidents(conn, scope(caller), open_only, store_id, limit)
    return [IncidentOut(**dict(r)) for r in rows]
