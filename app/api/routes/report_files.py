"""A complete report's other CSVs: its days (rule 12, when it was asked for them) and its outages (rule 11,
computed for its as_of on the first request and kept). A tenant's key reads its tenant's reports only."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.access.caller import Caller
from app.api.auth import ReadCaller, ensure_visible
from app.api.csv_stream import csv_chunks
from app.api.deps import ManagerDep, ReportIdDep
from app.api.responses import AUTH, Responses, responses
from app.db.models import Report, ReportState
from app.errors import ReportNotFound, ReportNotReady
from app.jobs.manager import ReportManager
from app.report.csv import write_days_csv, write_outages_csv
from app.report.outages import ensure_outages
from app.report.parameters import ReportParameters

router = APIRouter(tags=["reports"])

_ERRORS = responses(AUTH, 404, 409, 422,
                    _404="Unknown or malformed report id, a report of another tenant, or a report without days",
                    _409="The report is not complete (yet)", _422="Invalid filter")


def _csv(description: str) -> Responses:
    return {200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": description}, **_ERRORS}


async def _complete(manager: ReportManager, report_id, caller: Caller) -> Report:
    report = await manager.get(report_id)
    ensure_visible(caller, report)
    assert report is not None
    if report.status is not ReportState.complete:
        raise ReportNotReady(f"the report is {report.status}; its CSVs exist once it is complete")
    return report


def _attachment(name: str, chunks) -> StreamingResponse:
    return StreamingResponse(chunks, media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/reports/{report_id}/days", response_class=StreamingResponse,
            responses=_csv("store_id, date_local, business_hours, uptime_hours, downtime_hours (2 decimals), by "
                           "store and date"))
async def report_days(report_id: ReportIdDep, caller: ReadCaller, manager: ManagerDep) -> StreamingResponse:
    """A report's figures per local date of each store's zone, for a report triggered with `days`."""
    report = await _complete(manager, report_id, caller)
    if ReportParameters.of(report.parameters).days is None:
        raise ReportNotFound("this report was not asked for days: trigger one with {\"days\": {\"from\": ..., "
                             "\"to\": ...}}")
    return _attachment(f"report_{report_id}_days.csv",
                       csv_chunks(manager.pool, lambda conn, put: write_days_csv(conn, report_id, put)))


@router.get("/reports/{report_id}/outages", response_class=StreamingResponse,
            responses=_csv("store_id, start_utc, end_utc, minutes, by store and start"))
async def report_outages(
    report_id: ReportIdDep, caller: ReadCaller, manager: ManagerDep,
    store_id: Annotated[str | None, Query(min_length=1, max_length=255, description="Only this store")] = None,
    min_minutes: Annotated[float | None, Query(ge=0, le=10_080, description="Only outages at least this long")] = None,
) -> StreamingResponse:
    """A report's outages: each span of its week in which a store was in business hours and inactive. Their
    minutes add up to the store's downtime_last_week."""
    report = await _complete(manager, report_id, caller)
    await ensure_outages(manager.pool, report)
    return _attachment(f"report_{report_id}_outages.csv", csv_chunks(
        manager.pool, lambda conn, put: write_outages_csv(conn, report_id, put, store_id,
                                                      None if min_minutes is None else Decimal(str(min_minutes)))))
