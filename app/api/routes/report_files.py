"""A complete report's other CSVs: its days (rule 12, when it was asked for them) and its outages (rule 11,
computed for its as_of on the first request and kept)."""

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.api.csv_stream import csv_chunks
from app.api.deps import ManagerDep, ReportIdDep
from app.api.schemas import ErrorResponse, ValidationProblem
from app.db.models import Report, ReportState
from app.errors import ReportNotFound, ReportNotReady
from app.jobs.actions import REPORT_NOT_FOUND
from app.jobs.manager import ReportManager
from app.report.csv import write_days_csv, write_outages_csv
from app.report.outages import ensure_outages
from app.report.parameters import ReportParameters

router = APIRouter(tags=["reports"])

_CSV = {"content": {"text/csv": {}}}
_ERRORS = {
    404: {"model": ErrorResponse, "description": "Unknown or malformed report id, or a report without days"},
    409: {"model": ErrorResponse, "description": "The report is not complete (yet)"},
    422: {"model": ValidationProblem, "description": "Invalid filter"},
}


async def _complete(manager: ReportManager, report_id) -> Report:
    report = await manager.get(report_id)
    if report is None:
        raise ReportNotFound(REPORT_NOT_FOUND)
    if report.status is not ReportState.complete:
        raise ReportNotReady(f"the report is {report.status}; its CSVs exist once it is complete")
    return report


def _attachment(name: str, chunks) -> StreamingResponse:
    return StreamingResponse(chunks, media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/reports/{report_id}/days", response_class=StreamingResponse,
            responses={200: {**_CSV, "description": "store_id, date_local, business_hours, uptime_hours, "
                                                    "downtime_hours (2 decimals), by store and date"}, **_ERRORS})
async def report_days(report_id: ReportIdDep, manager: ManagerDep) -> StreamingResponse:
    """A report's figures per local date of each store's zone, for a report triggered with `days`."""
    report = await _complete(manager, report_id)
    if ReportParameters.of(report.parameters).days is None:
        raise ReportNotFound("this report was not asked for days: trigger one with {\"days\": {\"from\": ..., "
                             "\"to\": ...}}")
    return _attachment(f"report_{report_id}_days.csv",
                       csv_chunks(manager.pool, lambda conn, put: write_days_csv(conn, report_id, put)))


@router.get("/reports/{report_id}/outages", response_class=StreamingResponse,
            responses={200: {**_CSV, "description": "store_id, start_utc, end_utc, minutes, by store and start"},
                       **_ERRORS})
async def report_outages(
    report_id: ReportIdDep, manager: ManagerDep,
    store_id: Annotated[str | None, Query(min_length=1, max_length=255, description="Only this store")] = None,
    min_minutes: Annotated[Decimal | None, Query(ge=0, le=10_080, max_digits=9, decimal_places=4,
                                                 description="Only outages at least this long")] = None,
) -> StreamingResponse:
    """A report's outages: each span of its week in which a store was in business hours and inactive. Their
    minutes add up to the store's downtime_last_week."""
    report = await _complete(manager, report_id)
    await ensure_outages(manager.pool, report)
    return _attachment(f"report_{report_id}_outages.csv", csv_chunks(
        manager.pool, lambda conn, put: write_outages_csv(conn, report_id, put, store_id, min_minutes)))
