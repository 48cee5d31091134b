"""The project's errors as HTTP answers, in one place (procrastinate's one hierarchy, mapped once)."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.errors import (
    DatabaseSetupError,
    IngestError,
    InvalidReportRequest,
    InvalidStoreData,
    PayloadTooLarge,
    ReportNotCancellable,
    ReportNotFound,
    ReportNotReady,
    StorepulseError,
)

_HTTP_STATUS: dict[type[StorepulseError], int] = {
    ReportNotFound: 404,
    ReportNotCancellable: 409,
    ReportNotReady: 409,
    InvalidReportRequest: 422,
    PayloadTooLarge: 413,
    InvalidStoreData: 422,
    IngestError: 422,
    DatabaseSetupError: 503,
}


def status_of(exc: StorepulseError) -> int:
    return next((code for cls, code in _HTTP_STATUS.items() if isinstance(exc, cls)), 500)


async def storepulse_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StorepulseError)
    return JSONResponse({"detail": str(exc)}, status_code=status_of(exc))


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """422 with one readable sentence per problem ("body.as_of: Input should be ...") and the details."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    detail = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StorepulseError, storepulse_error)
    app.add_exception_handler(RequestValidationError, validation_error)
