"""The report endpoints: trigger, poll and download, list, inspect, cancel and delete. Every one needs a key (or the
web page's session): a tenant's key works with its tenant's stores and reports only; another tenant's report is
404, exactly as an unknown one."""

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, status
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app.access.caller import Caller
from app.api.auth import ReadCaller, ReadStores, WriteCaller, ensure_visible
from app.api.csv_stream import csv_chunks
from app.api.deps import ManagerDep, ReportIdDep, StatusCacheDep
from app.api.responses import AUTH, BODY, Responses, responses
from app.api.schemas import (
    Progress,
    ReportOut,
    ReportPage,
    RunningResponse,
    StoppedResponse,
    TriggerOneRequest,
    TriggerRequest,
    TriggerResponse,
)
from app.db.models import ReportState
from app.jobs.actions import ReportOwner, cancel_report, delete_report, submit_report
from app.report.csv import write_csv
from app.report.parameters import MAX_STORE_ID_LENGTH

router = APIRouter(tags=["reports"])

MAX_PAGE = 500
MAX_OFFSET = 1_000_000  # deeper than any page a person reads; keeps OFFSET a cheap integer
_TRIGGER_RESPONSES = responses(AUTH, BODY, 429, _422="Invalid request: a bad body, store ids outside the key's "
                                                     "tenant (named), unknown stores, no polls before as_of")


def _owner(request: Request, caller: Caller) -> ReportOwner:
    """The report's tenant and key, and how many reports the key may have queued or running (REPORTS_PER_KEY)."""
    return ReportOwner(tenant_id=caller.tenant_id, api_key_id=caller.key_id,
                       max_active=request.app.state.settings.reports_per_key)


@router.post("/trigger_report", status_code=status.HTTP_202_ACCEPTED, response_model=TriggerResponse,
             responses=_TRIGGER_RESPONSES)
async def trigger_report(http: Request, manager: ManagerDep, stores: ReadStores,
                         request: Annotated[TriggerRequest | None, Body()] = None) -> TriggerResponse:
    """Queue a report of every store (or of `store_ids`) as of `as_of`; poll it with `GET /get_report/{id}`.
    With a tenant's key, "every store" is every store of the tenant. An identical report (same tenant, as_of and
    stores) that is still queued or running is returned instead of queuing another."""
    request = request or TriggerRequest()
    ids, known = await stores.for_report(request.store_ids)
    submitted = await submit_report(manager, request.as_of, ids, request.days, ids_have_polls=known,
                                    owner=_owner(http, stores.caller))
    assert submitted.report is not None
    return TriggerResponse(report_id=submitted.report.id, existing=submitted.existing)


@router.post("/trigger_report/{store_id}", status_code=status.HTTP_202_ACCEPTED, response_model=TriggerResponse,
             responses=_TRIGGER_RESPONSES)
async def trigger_store_report(http: Request, store_id: Annotated[str, Path(max_length=MAX_STORE_ID_LENGTH)],
                               manager: ManagerDep, stores: ReadStores,
                               request: Annotated[TriggerOneRequest | None, Body()] = None) -> TriggerResponse:
    """Queue a report of one store (with a tenant's key, one of its stores)."""
    ids, _ = await stores.for_report([store_id])
    submitted = await submit_report(manager, request.as_of if request else None, ids,
                                    owner=_owner(http, stores.caller))
    assert submitted.report is not None
    return TriggerResponse(report_id=submitted.report.id, existing=submitted.existing)


_GET_REPORT_RESPONSES: Responses = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}},
          "description": "Complete: the CSV, one row per store sorted by store_id (header `X-Report-Status: "
                         "Complete`)"},
    202: {"model": RunningResponse, "description": "Queued or running, with progress"},
    410: {"model": StoppedResponse, "description": "Failed (with the reason) or cancelled"},
    **responses(AUTH, 404, 422),
}


@router.get("/get_report/{report_id}", responses=_GET_REPORT_RESPONSES, response_class=StreamingResponse)
async def get_report(report_id: ReportIdDep, caller: ReadCaller, manager: ManagerDep,
                     statuses: StatusCacheDep) -> Response:
    """The report's CSV once it is complete; its progress before (at most a second old)."""
    report = await statuses.get(report_id)
    ensure_visible(caller, report)
    assert report is not None
    if report.status in (ReportState.queued, ReportState.running):
        running = RunningResponse(progress=Progress(stores_done=report.stores_done,
                                                    stores_total=report.stores_total))
        return JSONResponse(running.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    if report.status is ReportState.failed:
        stopped = StoppedResponse(status="Failed", error=report.error or "unknown error")
        return JSONResponse(stopped.model_dump(), status_code=status.HTTP_410_GONE)
    if report.status is ReportState.cancelled:
        stopped = StoppedResponse(status="Cancelled", error="the report was cancelled")
        return JSONResponse(stopped.model_dump(), status_code=status.HTTP_410_GONE)
    return StreamingResponse(
        csv_chunks(manager.pool, lambda conn, put: write_csv(conn, report_id, put)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="report_{report_id}.csv"',
                 "X-Report-Status": "Complete"},
    )


@router.get("/get_report", responses=_GET_REPORT_RESPONSES, response_class=StreamingResponse)
async def get_report_by_query(report_id: ReportIdDep, caller: ReadCaller, manager: ManagerDep,
                              statuses: StatusCacheDep) -> Response:
    """Same as `GET /get_report/{report_id}`, with the id as a query parameter."""
    return await get_report(report_id, caller, manager, statuses)


@router.get("/reports", response_model=ReportPage, responses=responses(AUTH, 422))
async def list_reports(manager: ManagerDep, caller: ReadCaller,
                       limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size")] = 50,
                       offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Reports to skip")] = 0,
                       ) -> ReportPage:
    """Reports, most recently triggered first: the tenant's with a tenant's key, every report with an admin key."""
    reports = await manager.list_recent(limit + 1, offset, tenant_id=None if caller.admin else caller.tenant_id)
    return ReportPage(items=[ReportOut.of(r) for r in reports[:limit]], limit=limit, offset=offset,
                      next_offset=offset + limit if len(reports) > limit else None)


@router.get("/reports/{report_id}", response_model=ReportOut, responses=responses(AUTH, 404))
async def report_metadata(report_id: ReportIdDep, caller: ReadCaller, manager: ManagerDep) -> ReportOut:
    """A report's state, as_of, parameters, timings, progress, row count and error."""
    report = await manager.get(report_id)
    ensure_visible(caller, report)
    assert report is not None
    return ReportOut.of(report)


@router.post("/reports/{report_id}/cancel", response_model=ReportOut,
             responses=responses(AUTH, 404, 409, _409="Already finished"))
async def cancel(report_id: ReportIdDep, caller: ReadCaller, manager: ManagerDep,
                 statuses: StatusCacheDep) -> ReportOut:
    """Cancel a queued or running report; its partial rows are deleted."""
    ensure_visible(caller, await manager.get(report_id))
    cancelled = await cancel_report(manager, report_id)
    statuses.forget(report_id)
    return ReportOut.of(cancelled)


@router.delete("/reports/{report_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
               responses=responses(AUTH, 404, 409, _409="Still queued or running: cancel it first"))
async def delete(report_id: ReportIdDep, caller: WriteCaller, manager: ManagerDep,
                 statuses: StatusCacheDep) -> Response:
    """Delete a finished (complete, failed or cancelled) report and its rows: it is 404 from then on. Needs a
    write key."""
    ensure_visible(caller, await manager.get(report_id))
    await delete_report(manager, report_id)
    statuses.forget(report_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
