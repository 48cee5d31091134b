"""Live polls: `POST /polls` (text/csv or application/json), for pollers. Needs a write key; a tenant's key posts
polls of its tenant's stores only (another store's rows are rejected one by one, the others stored)."""

import json

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from app import metrics
from app.alerts.evaluate import evaluate_alerts
from app.api.auth import WriteStores
from app.api.body import read_limited
from app.api.deps import PoolDep
from app.api.responses import AUTH, responses
from app.api.schemas import ErrorResponse, PollIntakeResult, RejectedRow
from app.errors import IngestError
from app.ingest.intake import (
    MAX_BYTES,
    MAX_ROWS,
    Batch,
    Rejected,
    check_csv_body,
    check_json_body,
    restrict,
    store_batch,
    stores_of,
)

router = APIRouter(tags=["polls"])

_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}, "example": (
            "store_id,status,timestamp_utc\n8419537941919820732,active,2023-01-22 12:09:39.388884 UTC\n")},
        "application/json": {"schema": {"type": "array", "maxItems": MAX_ROWS, "items": {
            "type": "object", "required": ["store_id", "status", "timestamp_utc"],
            "properties": {"store_id": {"type": ["string", "integer"], "minLength": 1, "maxLength": 255},
                           "status": {"type": "string", "enum": ["active", "inactive"],
                                      "description": "Case and spaces around it do not matter"},
                           "timestamp_utc": {"type": "string", "examples": ["2024-03-14 10:00:00.123456 UTC",
                                                                            "2024-03-14T10:00:00Z"]}}}}},
    },
}


def _result(received: int, stored: int, duplicates: int, batch: Batch) -> PollIntakeResult:
    return PollIntakeResult(received=received, stored=stored, duplicates=duplicates,
                            rejected=[RejectedRow(row=r.row, reason=r.reason) for r in batch.rejected])


@router.post(
    "/polls", response_model=PollIntakeResult, openapi_extra={"requestBody": _BODY},
    responses={
        **responses(AUTH),
        413: {"model": ErrorResponse, "description": f"More than {MAX_ROWS:,} rows or {MAX_BYTES:,} bytes"},
        415: {"model": ErrorResponse, "description": "Neither text/csv nor application/json"},
        422: {"model": PollIntakeResult, "description": "No row is good: every row with its reason (row 0: the "
                                                        "header or the body as a whole)"},
    },
)
async def post_polls(request: Request, pool: PoolDep, stores: WriteStores) -> JSONResponse:
    """Store polls: a CSV body with a header naming store_id, status and timestamp_utc (any order), or a JSON list
    of objects with those keys. Rows are checked as the loader checks the polls file; good rows are stored even
    when others are rejected; posting the same polls again stores nothing new. Reports triggered after the response
    include them."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", "application/json"):
        return JSONResponse({"detail": f"Content-Type must be text/csv or application/json, not {kind or 'none'}"},
                            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    body = await read_limited(request, MAX_BYTES)
    try:
        batch = check_csv_body(body) if kind == "text/csv" else check_json_body(_json(body))
    except IngestError as exc:  # the header or the body as a whole: row 0
        unreadable = PollIntakeResult(received=0, stored=0, duplicates=0,
                                      rejected=[RejectedRow(row=0, reason=str(exc))])
        metrics.POLL_ROWS_REJECTED.labels(reason=metrics.REJECT_INVALID).inc()
        return JSONResponse(unreadable.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    metrics.POLLS_RECEIVED.inc(batch.received)
    invalid = len(batch.rejected)
    posted = stores_of(batch)
    outside = await stores.outside(sorted(posted))
    if outside:
        batch = restrict(batch, posted - outside)
        posted -= outside
    metrics.POLL_ROWS_REJECTED.labels(reason=metrics.REJECT_INVALID).inc(invalid)
    metrics.POLL_ROWS_REJECTED.labels(reason=metrics.REJECT_OUTSIDE_TENANT).inc(len(batch.rejected) - invalid)
    async with pool.acquire() as conn:
        intake = await store_batch(conn, batch)
    if intake.stored:
        await evaluate_alerts(pool, request.app.state.settings.alert_clock, posted)
    if not batch.received:
        batch.rejected.append(Rejected(0, "no polls in the body: a header and one poll per line"))
    result = _result(intake.received, intake.stored, intake.duplicates, batch)
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if not batch.lines else status.HTTP_200_OK
    return JSONResponse(result.model_dump(), status_code=code)


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise IngestError(f"the body is not valid JSON: {exc}") from None
