"""The report endpoints: trigger, poll and download, list, inspect and cancel."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, status
from fastapi.responses import JSONResponse, StreamingResponse

from app.api.csv_stream import csv_chunks
from app.api.deps import ManagerDep, ProgressCacheDep, ReportIdDep
from app.api.schemas import (
    ErrorResponse,
    Progress,
    ReportOut,
    ReportPage,
    RunningResponse,
    StoppedResponse,
    TriggerOneRequest,
    TriggerRequest,
    TriggerResponse,
    ValidationProblem,
)
from app.db.models import ReportState
from app.errors import ReportNotFound
from app.jobs.actions import REPORT_NOT_FOUND, cancel_report, submit_report
from app.report.csv import write_csv

router = APIRouter(tags=["reports"], responses={
    422: {"model": ValidationProblem, "description": "Invalid request: `detail` says what is wrong"},
})

_NOT_FOUND = {404: {"model": ErrorResponse, "description": "Unknown or malformed report id"}}


@router.post("/trigger_report", status_code=status.HTTP_202_ACCEPTED, response_model=TriggerResponse)
async def trigger_report(manager: ManagerDep,
                         request: Annotated[TriggerRequest | None, Body()] = None) -> TriggerResponse:
    """Queue a report of every store (or of `store_ids`) as of `as_of`; poll it with `GET /get_report/{id}`."""
    request = request or TriggerRequest()
    report = await submit_report(manager, request.as_of, request.store_ids, request.days)
    return TriggerResponse(report_id=report.id)


@router.post("/trigger_report/{store_id}", status_code=status.HTTP_202_ACCEPTED, response_model=TriggerResponse)
async def trigger_store_report(store_id: str, manager: ManagerDep,
                               request: Annotated[TriggerOneRequest | None, Body()] = None) -> TriggerResponse:
    """Queue a report of one store."""
    as_of = request.as_of if request else None
    report = await submit_report(manager, as_of, [store_id])
    return TriggerResponse(report_id=report.id)


_GET_REPORT_RESPONSES = {
    200: {"content": {"text/csv": {}}, "description": "Complete: the CSV, one row per store sorted by store_id "
                                                      "(header `X-Report-Status: Complete`)"},
    202: {"model": RunningResponse, "description": "Queued or running, with progress"},
    410: {"model": StoppedResponse, "description": "Failed (with the reason) or cancelled"},
    **_NOT_FOUND,
}


@router.get("/get_report/{report_id}", responses=_GET_REPORT_RESPONSES, response_class=StreamingResponse)
async def get_report(report_id: ReportIdDep, manager: ManagerDep, progress: ProgressCacheDep):
    """The report's CSV once it is complete; its progress before (at most a second old)."""
    report = await progress.get(report_id)
    if report is None:
        raise ReportNotFound(REPORT_NOT_FOUND)
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
async def get_report_by_query(report_id: ReportIdDep, manager: ManagerDep, progress: ProgressCacheDep):
    """Same as `GET /get_report/{report_id}`, with the id as a query parameter."""
    return await get_report(report_id, manager, progress)


@router.get("/reports", response_model=ReportPage)
async def list_reports(manager: ManagerDep,
                       limit: Annotated[int, Query(ge=1, le=500, description="Page size")] = 50,
                       offset: Annotated[int, Query(ge=0, description="Reports to skip")] = 0) -> ReportPage:
    """Reports, most recently triggered first."""
    reports = await manager.list_recent(limit + 1, offset)
    return ReportPage(items=[ReportOut.of(r) for r in reports[:limit]], limit=limit, offset=offset,
                      next_offset=offset + limit if len(reports) > limit else None)


@router.get("/reports/{report_id}", response_model=ReportOut, responses=_NOT_FOUND)
async def report_metadata(report_id: ReportIdDep, manager: ManagerDep) -> ReportOut:
    """A report's state, as_of, parameters, timings, progress, row count and error."""
    report = await manager.get(report_id)
    if report is None:
        raise ReportNotFound(REPORT_NOT_FOUND)
    return ReportOut.of(report)


@router.delete("/reports/{report_id}", response_model=ReportOut,
               responses={**_NOT_FOUND, 409: {"model": ErrorResponse, "description": "Already finished"}})
async def cancel(report_id: ReportIdDep, manager: ManagerDep, progress: ProgressCacheDep) -> ReportOut:
    """Cancel a queued or running report; its partial rows are deleted."""
    cancelled = await cancel_report(manager, report_id)
    progress.forget(report_id)
    return ReportOut.of(cancelled)
