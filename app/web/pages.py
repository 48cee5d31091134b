"""The HTML pages: `/` (trigger and follow reports; its script talks to the JSON API), a report's figures at
`/reports/{id}/view` and a store's week at `/stores/{store_id}/view?report={id}`. Only a complete report's figures are
shown; any other state says what the report is doing instead. Every page needs a signed-in browser (signin.py) and
shows only what its key sees: another tenant's report is "not found", as an unknown one."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.caller import Caller
from app.report.parameters import store_id_problem
from app.web import charts, data
from app.web.deps import PoolDep, SignedInDep
from app.web.describe import describe_hours
from app.web.render import store_url, templates
from app.web.signin import sign_in_first
from app.web.timeline import day_rows, week_totals

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _not_found(request: Request, caller: Caller, message: str) -> Response:
    return templates.TemplateResponse(request, "not_found.html", {"message": message, "caller": caller},
                                      status_code=status.HTTP_404_NOT_FOUND)


def _report_id(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


async def _visible_report(pool: PoolDep, caller: Caller, text: str | None) -> tuple[uuid.UUID, dict] | None:
    """The report's id and metadata when the id is one and the caller sees the report."""
    rid = _report_id(text)
    report = await data.report(pool, rid) if rid else None
    if rid is None or report is None or not caller.sees(report["tenant_id"]):
        return None
    return rid, report


@router.get("/")
async def index(request: Request, caller: SignedInDep) -> Response:
    if caller is None:
        return sign_in_first(request)
    return templates.TemplateResponse(request, "index.html", {"caller": caller})


@router.get("/reports/{report_id}/view")
async def report_view(request: Request, report_id: str, pool: PoolDep, caller: SignedInDep,
                      q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    if caller is None:
        return sign_in_first(request)
    found = await _visible_report(pool, caller, report_id)
    if found is None:
        return _not_found(request, caller, f"There is no report {report_id}.")
    rid, report = found
    query = (q or "").replace("\x00", "").strip()
    context: dict[str, Any] = {"report": report, "query": query, "caller": caller}
    if report["status"] == "complete":
        context |= {
            "headline": await data.headline(pool, rid),
            "histogram": charts.histogram(await data.histogram(pool, rid)),
            "top": await data.top_downtime(pool, rid),
            # One more than shown, to tell whether there are more.
            "matches": await data.search_stores(pool, rid, query, data.SEARCH_LIMIT + 1) if query else None,
            "search_limit": data.SEARCH_LIMIT,
        }
    return templates.TemplateResponse(request, "report.html", context)


@router.get("/stores/{store_id:path}/view")
async def store_view(request: Request, store_id: str, pool: PoolDep, caller: SignedInDep,
                     report: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    if caller is None:
        return sign_in_first(request)
    if store_id_problem(store_id) is not None:
        return _not_found(request, caller, "There is no such store.")
    if report is None:
        latest = await data.latest_report_for_store(pool, store_id, caller)
        if latest is None:
            return _not_found(request, caller, f"No complete report includes the store {store_id}.")
        return RedirectResponse(store_url(store_id, latest), status_code=status.HTTP_303_SEE_OTHER)
    found = await _visible_report(pool, caller, report)
    if found is None:
        return _not_found(request, caller, f"There is no report {report}.")
    rid, meta = found
    context: dict[str, Any] = {"report": meta, "store_id": store_id, "caller": caller}
    if meta["status"] == "complete":
        week = await data.store_week(pool, rid, store_id, meta["as_of"])
        if week is None:
            return _not_found(request, caller, f"The report {rid} does not include the store {store_id}.")
        rows = day_rows(week.days, week.pieces, week.polls)
        context |= {"week": week, "rows": rows, "drawn": week_totals(rows), "hours_text": describe_hours(week.hours)}
    return templates.TemplateResponse(request, "store.html", context)
