"""Authentication and authorization as FastAPI dependencies, for every route that needs a key.

A request is made by a Caller: an API key sent as `Authorization: Bearer <key>`, or the web page's session cookie
(signed in with a key). Routes ask for the role they need and, when they take store ids, for the caller's stores:

    @router.put("/stores/{store_id}/hours")
    async def put_hours(store_id: StoreIdPath, stores: WriteStores, ...):
        await stores.require(store_id)          # 404 unless the store is the tenant's (admin: any store)
        caller = stores.caller                  # who, for the rows written

    @router.post("/polls")
    async def post_polls(body: PollsIn, stores: WriteStores, ...):
        refused = await stores.outside(ids)     # ids of other tenants' stores: reject those rows one by one

    @router.get("/reports/{report_id}/outages")
    async def outages(report_id: ReportIdDep, caller: ReadCaller, manager: ManagerDep):
        report = await manager.get(report_id)
        ensure_visible(caller, report)          # 404 for another tenant's report, as for an unknown id

Missing or unknown credentials are 401 with `WWW-Authenticate: Bearer`; a role that may not is 403 (app/api/errors.py
maps both). Responses to document on such routes: `responses.AUTH` (app/api/responses.py).
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from app.access.authenticate import Authenticator
from app.access.caller import Caller
from app.access.manager import AccessManager
from app.access.tokens import SESSION_COOKIE
from app.db.models import ApiRole
from app.errors import (
    Forbidden,
    InvalidReportRequest,
    ReportNotFound,
    StoreNotFound,
    StoresOutsideTenant,
    Unauthenticated,
)
from app.jobs.actions import REPORT_NOT_FOUND, clean_store_ids
from app.report.parameters import store_id_problem

_SHOWN_IDS = 10
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bearer = HTTPBearer(
    auto_error=False, scheme_name="ApiKey", bearerFormat="sp_live_…",
    description="An API key: `Authorization: Bearer sp_live_…`. `python -m app key create` makes one and prints it "
                "once.",
)
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, scheme_name="WebSession",
    description="The web page's session, set by signing in with a key at `/signin` (HttpOnly, SameSite=Strict).",
)


async def get_authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator


async def get_access(request: Request) -> AccessManager:
    return request.app.state.access


AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]
AccessDep = Annotated[AccessManager, Depends(get_access)]


def _check_same_origin(request: Request) -> None:
    """A cookie-authenticated request that changes something must come from our own pages. SameSite=Strict already
    keeps other sites' requests from carrying the cookie; this refuses one whose Origin says otherwise."""
    if request.method in _SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden("cross-site request refused: the session cookie works only from this site's own pages")


async def authenticate(
    request: Request,
    authenticator: AuthenticatorDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    session: Annotated[str | None, Depends(session_cookie)],
) -> Caller:
    """The request's caller: its API key, or else its web session. 401 when neither is valid."""
    if credentials is not None:
        caller = await authenticator.by_key(credentials.credentials)
        if caller is None:
            raise Unauthenticated("the API key is not valid: it is unknown, revoked or mistyped", token_given=True)
    elif request.headers.get("authorization") is not None:
        raise Unauthenticated("the Authorization header must be `Bearer <key>`", token_given=True)
    elif session:
        caller = await authenticator.by_session(session)
        if caller is None:
            raise Unauthenticated("the web session has ended: sign in again at /signin", token_given=True)
        _check_same_origin(request)
    else:
        raise Unauthenticated()
    request.state.caller = caller
    return caller


@cache
def require(role: ApiRole) -> Callable[..., Awaitable[Caller]]:
    """A dependency giving the caller when its role includes `role` (admin > write > read), else 403. One function
    per role, so FastAPI runs each once per request however many dependencies ask for it."""

    async def caller_with_role(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        if not caller.may(role):
            needs = "an admin key" if role is ApiRole.admin else f"a {role.value} key or better"
            raise Forbidden(f"this needs {needs}; this key's role is {caller.role.value}")
        return caller

    caller_with_role.__name__ = f"require_{role.value}"
    return caller_with_role


ReadCaller = Annotated[Caller, Depends(require(ApiRole.read))]
WriteCaller = Annotated[Caller, Depends(require(ApiRole.write))]
AdminCaller = Annotated[Caller, Depends(require(ApiRole.admin))]


def ensure_visible(caller: Caller, report: object) -> None:
    """404, word for word as for an unknown id, unless the report exists (not None) and is the caller's tenant's
    (an admin sees every report). `report` is anything with a `tenant_id`: a Report, a ReportStatus."""
    if report is None or not caller.sees(getattr(report, "tenant_id", None)):
        raise ReportNotFound(REPORT_NOT_FOUND)


def _listed(ids: Sequence[str]) -> str:
    shown = ", ".join(repr(s if len(s) <= 40 else s[:40] + "…") for s in ids[:_SHOWN_IDS])
    return shown + (f" and {len(ids) - _SHOWN_IDS:,} more" if len(ids) > _SHOWN_IDS else "")


@dataclass(frozen=True)
class CallerStores:
    """The stores a caller may work with: a tenant key its tenant's, an admin key every store."""

    caller: Caller
    access: AccessManager

    async def outside(self, store_ids: Sequence[str]) -> set[str]:
        """The ids that are not the caller's stores (an admin's are every store): reject those rows one by one.
        Ids that are not usable text (blank, too long, NUL) count as outside for every caller, and never reach the
        database."""
        unusable = {s for s in store_ids if store_id_problem(s) is not None}
        if self.caller.admin or self.caller.tenant_id is None:
            return unusable
        usable = [s for s in dict.fromkeys(store_ids) if s not in unusable]
        return unusable | set(await self.access.stores_outside_tenant(self.caller.tenant_id, usable))

    async def check(self, store_ids: Sequence[str]) -> None:
        """422 naming the ids that are not the caller's stores."""
        outside = await self.outside(store_ids)
        if outside:
            ordered = [s for s in dict.fromkeys(store_ids) if s in outside]
            raise StoresOutsideTenant(f"store ids outside tenant {self.caller.tenant_name}: {_listed(ordered)}")

    async def require(self, store_id: str) -> None:
        """404 (as for a store that does not exist) unless the store is the caller's."""
        if await self.outside([store_id]):
            raise StoreNotFound("Store not found")

    async def for_report(self, store_ids: Sequence[str] | None) -> tuple[list[str] | None, bool]:
        """The stores a report asked for by this caller covers, and whether they are known to have polls. An admin
        gets what was asked (None: every store). A tenant's key asking for no ids gets every store of its tenant
        that has polls; ids outside the tenant are refused (422 naming them)."""
        if store_ids is not None:
            ids = clean_store_ids(store_ids)  # blank, too long or NUL ids are refused before any query
            if not self.caller.admin:
                await self.check(ids)
            return ids, False
        if self.caller.admin or self.caller.tenant_id is None:
            return None, False
        polled = await self.access.tenant_polled_stores(self.caller.tenant_id)
        if not polled:
            stores = await self.access.tenant_store_count(self.caller.tenant_id)
            raise InvalidReportRequest(f"none of the {stores:,} stores of tenant {self.caller.tenant_name} has polls "
                                       "yet: the report would be empty")
        return polled, True


@cache
def stores_of(role: ApiRole) -> Callable[..., Awaitable[CallerStores]]:
    """A dependency giving the stores of a caller whose role includes `role`."""

    async def caller_stores(caller: Annotated[Caller, Depends(require(role))], access: AccessDep) -> CallerStores:
        return CallerStores(caller, access)

    caller_stores.__name__ = f"stores_of_{role.value}"
    return caller_stores


ReadStores = Annotated[CallerStores, Depends(stores_of(ApiRole.read))]
WriteStores = Annotated[CallerStores, Depends(stores_of(ApiRole.write))]
