"""The HTML pages: `/` (trigger and follow reports, its script talks to the JSON API; and what is down now, refreshed
from `/live`), a report's figures and fleet view at `/reports/{id}/view` and a store's week at
`/stores/{store_id}/view?report={id}`. Only a complete report's figures are shown; any other state says what the
report is doing instead. Every page needs a signed-in browser (signin.py) and shows only what its key sees: another
tenant's report is "not found", as an unknown one; stores, incidents and deliveries are the tenant's own."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.caller import Caller
from app.db.models import Report, ReportState
from app.report.outages import ensure_outages
from app.report.parameters import ReportParameters, store_id_problem
from app.web import charts, data, fleet, live
from app.web.deps import PoolDep, SignedInDep
from app.web.describe import describe_hours
from app.web.render import store_url, templates
from app.web.signin import sign_in_first
from app.web.timeline import day_rows, mark_outages, week_totals

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _not_found(request: Request, caller: Caller, message: str) -> Response:
    return templates.TemplateResponse(request, "not_found.html", {"message": message, "caller": caller},
                                      status_code=status.HTTP_404_NOT_FOUND)


def _report_id(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


async def _visible_report(pool: PoolDep, caller: Caller, text: str | None) -> Report | None:
    """The report when the id is one and the caller sees the report."""
    rid = _report_id(text)
    report = await data.report(pool, rid) if rid else None
    if report is None or not caller.sees(report.tenant_id):
        return None
    return report


def _clock(request: Request) -> str:
    return request.app.state.settings.alert_clock


@router.get("/")
async def index(request: Request, pool: PoolDep, caller: SignedInDep) -> Response:
    if caller is None:
        return sign_in_first(request)
    context = {"caller": caller, "live": await live.live_view(pool, caller, _clock(request)),
               "refresh_seconds": live.REFRESH_SECONDS}
    return templates.TemplateResponse(request, "index.html", context)


@router.get("/live")
async def live_panels(request: Request, pool: PoolDep, caller: SignedInDep) -> Response:
    """The live panels of `/` alone (an HTML fragment), which its script fetches every REFRESH_SECONDS."""
    if caller is None:
        return Response(status_code=status.HTTP_401_UNAUTHORIZED, headers={"Cache-Control": "no-store"})
    response = templates.TemplateResponse(request, "_live.html", {"live": await live.live_view(pool, caller,
                                                                                              _clock(request))})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/reports/{report_id}/view")
async def report_view(request: Request, report_id: str, pool: PoolDep, caller: SignedInDep,
                      q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    if caller is None:
        return sign_in_first(request)
    report = await _visible_report(pool, caller, report_id)
    if report is None:
        return _not_found(request, caller, f"There is no report {report_id}.")
    rid = report.id
    query = (q or "").replace("\x00", "").strip()
    parameters = ReportParameters.of(report.parameters)
    context: dict[str, Any] = {"report": report, "parameters": parameters, "query": query, "caller": caller}
    if report.status == ReportState.complete:
        await ensure_outages(pool, report)
        days = await fleet.fleet_days(pool, rid)
        zones, zones_total = await fleet.zone_uptime(pool, rid)
        context |= {
            "headline": await data.headline(pool, rid),
            "histogram": charts.histogram(await data.histogram(pool, rid)),
            "days": days,
            "day_chart": charts.day_chart(days) if days else None,
            "last_days": None if days else fleet.last_days(report.as_of),
            "zones": zones,
            "zones_total": zones_total,
            "top": await data.top_downtime(pool, rid),
            "most_outages": await fleet.most_outages(pool, rid),
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
    meta = await _visible_report(pool, caller, report)
    if meta is None:
        return _not_found(request, caller, f"There is no report {report}.")
    rid = meta.id
    context: dict[str, Any] = {"report": meta, "store_id": store_id, "caller": caller}
    if meta.status == ReportState.complete:
        week = await data.store_week(pool, rid, store_id, meta.as_of)
        if week is None:
            return _not_found(request, caller, f"The report {rid} does not include the store {store_id}.")
        await ensure_outages(pool, meta)
        outages, marks = await data.store_outages(pool, rid, store_id, week.zone)
        rows = day_rows(week.days, week.pieces, week.polls)
        mark_outages(rows, marks)
        context |= {"week": week, "rows": rows, "drawn": week_totals(rows), "hours_text": describe_hours(week.hours),
                    "outages": outages, "outages_limit": data.STORE_OUTAGES,
                    "outage_minutes": sum((o.end_utc - o.start_utc).total_seconds() for o in outages) / 60}
    incidents, now = await live.store_incidents(pool, caller, store_id, _clock(request))
    context |= {"incidents": incidents, "incidents_limit": live.STORE_INCIDENTS, "now": now}
    return templates.TemplateResponse(request, "store.html", context)
