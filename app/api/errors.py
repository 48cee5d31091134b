"""The project's errors as HTTP answers, in one place (procrastinate's one hierarchy, mapped once); also the
framework's own answers (unknown path, method not allowed, a body that does not parse) in the same JSON shape."""

import re

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Mount, Route

from app.errors import (
    AdministrationError,
    DatabaseSetupError,
    Forbidden,
    InvalidRequest,
    KeyNotFound,
    NameTaken,
    ReportNotCancellable,
    ReportNotDeletable,
    ReportNotFound,
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
    ReportNotCancellable: 409,
    ReportNotDeletable: 409,
    NameTaken: 409,
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


def allowed_methods(routes: list[BaseRoute], path: str) -> list[str]:
    """Every method some route serves at `path` (with HEAD beside GET, and OPTIONS), for `Allow`."""
    methods: set[str] = set()
    for route in routes:
        if isinstance(route, Route) and route.path_regex.match(path) and route.methods:
            methods |= route.methods
        elif isinstance(route, Mount) and route.path_regex.match(path):
            methods |= {"GET"}
    if not methods:
        return []
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return sorted(methods, key=lambda m: (order.index(m) if m in order else len(order), m))


async def http_error(request: Request, exc: Exception) -> Response:
    """The framework's own errors. A method no route at the path serves is 405 with every method that some route
    there does serve in `Allow` (Starlette names only the first route's); OPTIONS is answered with that list
    (204). A body FastAPI could not read as JSON (not UTF-8, say) is 422 like any other malformed body."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:
        allow = ", ".join(allowed_methods(request.app.router.routes, request.url.path))
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
