"""create_app: the FastAPI application. The lifespan owns the process's pool and, by default, an embedded worker;
one handler maps the project's errors to HTTP."""

import asyncio
import logging
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app import web
from app.api.progress import ProgressCache
from app.api.routes import reports
from app.config import Settings, get_settings
from app.db.connect import create_pool
from app.errors import (
    DatabaseSetupError, InvalidReportRequest, ReportNotCancellable, ReportNotFound, StorepulseError,
)
from app.jobs.manager import ReportManager
from app.jobs.worker import Worker, worker_pool_size

log = logging.getLogger(__name__)

_HTTP_STATUS: dict[type[StorepulseError], int] = {
    ReportNotFound: 404,
    ReportNotCancellable: 409,
    InvalidReportRequest: 422,
    DatabaseSetupError: 503,
}


def _status_of(exc: StorepulseError) -> int:
    return next((code for cls, code in _HTTP_STATUS.items() if isinstance(exc, cls)), 500)


async def storepulse_error(_: Request, exc: StorepulseError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=_status_of(exc))


async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one readable sentence per problem ("body.as_of: Input should be ...") and the details."""
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    detail = "; ".join(f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in errors)
    return JSONResponse({"detail": detail, "errors": errors}, status_code=422)


async def _keep_session(_: asyncpg.Connection) -> None:
    """Reset of an API connection on release: nothing. The API sets no session state, listens to nothing and
    takes no advisory locks, so asyncpg's default reset (RESET ALL, UNLISTEN *, ...) would only add a round trip
    to every request. asyncpg still rolls back a transaction left open."""


async def _create_api_pool(settings: Settings) -> asyncpg.Pool:
    try:
        return await asyncpg.create_pool(settings.dsn(), min_size=settings.pool_min_size,
                                         max_size=settings.pool_max_size, reset=_keep_session)
    except (OSError, asyncpg.PostgresError) as exc:
        raise DatabaseSetupError(f"cannot connect to the database ({exc})") from exc


@asynccontextmanager
async def _lifespan(app: FastAPI):
    settings: Settings = app.state.settings
    app.state.pool = await _create_api_pool(settings)
    app.state.manager = ReportManager(app.state.pool)
    app.state.progress = ProgressCache(app.state.manager)
    worker = worker_task = worker_pool = None
    try:
        await app.state.manager.check_schema()
        if settings.embedded_worker:
            # Its own pool, so a flood of API requests cannot starve the heartbeat or the report's shards.
            worker_pool = await create_pool(settings, max_size=worker_pool_size(settings))
            worker = Worker(worker_pool, settings)
            worker_task = asyncio.create_task(worker.run(), name="embedded worker")
        yield
    finally:
        if worker is not None:
            worker.stop()
            await asyncio.wait({worker_task})
            if not worker_task.cancelled() and worker_task.exception() is not None:
                log.error("the embedded worker failed", exc_info=worker_task.exception())
            await worker_pool.close()
        await app.state.pool.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="storepulse",
        summary="Store uptime and downtime during business hours, as CSV reports computed in PostgreSQL.",
        lifespan=_lifespan,
    )
    app.state.settings = settings or get_settings()
    app.include_router(reports.router)
    app.include_router(web.router)  # the HTML pages (app/web)
    app.add_exception_handler(StorepulseError, storepulse_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    return app
