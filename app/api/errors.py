"""The project's errors as HTTP answers, in one place (procrastinate's one hierarchy, mapped once); also the
framework's own answers (unknown path, method not allowed, a body that does not parse) in the same JSON shape."""

import re

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from app.errors import (
    AdministrationError,
    AlertRuleConflict,
    AlertRuleNotFound,
    DatabaseSetupError,
    Forbidden,
    IngestError,
    InvalidReportRequest,
    InvalidRequest,
    InvalidStoreData,
    InvalidWebhookUrl,
    KeyNotFound,
    NameTaken,
    ReportNotCancellable,
    ReportNotDeletable,
    ReportNotFound,
    ReportNotReady,
    RequestTooLarge,
    StoreNotFound,
    StorepulseError,
    TenantNotFound,
    TooManyReports,
    Unauthenticated,
)

# A class before its base classes: the first match wins.
_HTTP_STATUS: dict[type[StorepulseError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    ReportNotFound: 404,
    StoreNotFound: 404,
    TenantNotFound: 404,
    KeyNotFound: 404,
    AlertRuleNotFound: 404,
    ReportNotCancellable: 409,
    ReportNotReady: 409,
    InvalidReportRequest: 422,
    InvalidStoreData: 422,
    IngestError: 422,
    ReportNotDeletable: 409,
    NameTaken: 409,
    AlertRuleConflict: 409,
    InvalidWebhookUrl: 422,
    RequestTooLarge: 413,
    InvalidRequest: 422,
    AdministrationError: 422,
    TooManyReports: 429,
    DatabaseSetupError: 503,
}
_REALM = 'Bearer realm="storepulse"'
_BODY_PARSE_ERROR = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot read as JSON


def status_of(exc: StorepulseError) -> int:
    return next((code for cls, code in _HTTP_STATUS.items() if isinstance(exc, cls)), 500)


async def storepulse_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StorepulseError)
    body: dict[str, object] = {"detail": str(exc)}
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = _REALM + (', error="invalid_token"' if exc.token_given else "")
    elif isinstance(exc, TooManyReports):
        headers["Retry-After"] = str(exc.retry_after_seconds)
        body |= {"limit": "reports_per_key", "max_active": exc.limit, "retry_after_seconds": exc.retry_after_seconds}
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


def _problem(detail: str, errors: list[dict[str, object]]) -> JSONResponse:
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """422 with one readable sentence per problem ("body.as_of: Input should be ...") and the details."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    detail = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in errors)
    return _problem(detail, errors)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _route_serves(app: FastAPI, scope: Scope, method: str) -> bool:
    # As the router would match it: from the application's root (a mounted app's scope has its own root_path).
    probe = {**scope, "method": method, "root_path": scope.get("app_root_path", "")}
    return any(route.matches(probe)[0] is Match.FULL for route in app.router.routes)


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route serves at the request's path, and OPTIONS, for `Allow`: each method matched against
    the routes as the router would. A path that takes any method at all is a mounted app (the static files): GET
    and HEAD."""
    if _route_serves(app, scope, "NO-SUCH-METHOD"):
        return ["GET", "HEAD", "OPTIONS"]
    methods = [method for method in _METHODS if _route_serves(app, scope, method)]
    return [*methods, "OPTIONS"] if methods else []


async def http_error(request: Request, exc: Exception) -> Response:
    """The framework's own errors. A method no route at the path serves is 405 with every method that some route
    there does serve in `Allow` (Starlette names only the first route's); OPTIONS is answered with that list
    (204). A body FastAPI could not read as JSON (not UTF-8, say) is 422 like any other malformed body."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allow = ", ".join(allowed_methods(request.app, request.scope))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        return JSONResponse({"detail": f"{request.method} is not allowed here; allowed: {allow}"}, status_code=405,
                            headers={"Allow": allow})
    if exc.status_code == 400 and exc.detail == _BODY_PARSE_ERROR:
        cause = exc.__cause__
        reason = f"{type(cause).__name__}: {cause}" if cause else "it could not be read"
        return _problem(f"body: not a JSON document ({_clip(reason)})",
                        [{"loc": ["body"], "msg": "not a JSON document", "type": "json_invalid"}])
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


def _clip(text: str, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= limit else text[:limit] + "…"


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StorepulseError, storepulse_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
