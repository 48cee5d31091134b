"""The HTML pages: `/` (trigger and follow reports; its script talks to the JSON API), a report's figures at
`/reports/{id}/view` and a store's week at `/stores/{store_id}?report={id}`. Only a complete report's figures are
shown; any other state says what the report is doing instead."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.web import charts, data
from app.web.deps import PoolDep
from app.web.describe import describe_hours
from app.web.render import store_url, templates
from app.web.timeline import day_rows, week_totals

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _not_found(request: Request, message: str) -> Response:
    return templates.TemplateResponse(request, "not_found.html", {"message": message},
                                      status_code=status.HTTP_404_NOT_FOUND)


def _report_id(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@router.get("/")
async def index(request: Request) -> Response:
    return templates.TemplateResponse(request, "index.html", {})


@router.get("/reports/{report_id}/view")
async def report_view(request: Request, report_id: str, pool: PoolDep,
                      q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    rid = _report_id(report_id)
    report = await data.report(pool, rid) if rid else None
    if report is None:
        return _not_found(request, f"There is no report {report_id}.")
    context = {"report": report, "query": (q or "").strip()}
    if report["status"] == "complete":
        context |= {
            "headline": await data.headline(pool, rid),
            "histogram": charts.histogram(await data.histogram(pool, rid)),
            "top": await data.top_downtime(pool, rid),
            # One more than shown, to tell whether there are more.
            "matches": (await data.search_stores(pool, rid, context["query"], data.SEARCH_LIMIT + 1)
                        if context["query"] else None),
            "search_limit": data.SEARCH_LIMIT,
        }
    return templates.TemplateResponse(request, "report.html", context)


@router.get("/stores/{store_id:path}")
async def store_view(request: Request, store_id: str, pool: PoolDep,
                     report: Annotated[str | None, Query()] = None) -> Response:
    if report is None:
        latest = await data.latest_report_for_store(pool, store_id)
        if latest is None:
            return _not_found(request, f"No complete report includes the store {store_id}.")
        return RedirectResponse(store_url(store_id, latest), status_code=status.HTTP_303_SEE_OTHER)
    rid = _report_id(report)
    meta = await data.report(pool, rid) if rid else None
    if meta is None:
        return _not_found(request, f"There is no report {report}.")
    context = {"report": meta, "store_id": store_id}
    if meta["status"] == "complete":
        week = await data.store_week(pool, rid, store_id, meta["as_of"])
        if week is None:
            return _not_found(request, f"The report {rid} does not include the store {store_id}.")
        rows = day_rows(week.days, week.pieces, week.polls)
        context |= {"week": week, "rows": rows, "drawn": week_totals(rows), "hours_text": describe_hours(week.hours)}
    return templates.TemplateResponse(request, "store.html", context)
