"""create_app: the HTTP service, the API (app/api) and the web pages (app/web) on one FastAPI application. The
lifespan owns the process's pool and, by default, an embedded report worker with a pool of its own."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI

from app import api, web
from app.access.authenticate import Authenticator
from app.access.manager import AccessManager
from app.api.errors import install_error_handlers
from app.api.middleware import BodyLimit, HttpMetrics
from app.api.progress import ProgressCache
from app.config import Settings, get_settings
from app.db.connect import create_pool
from app.jobs.manager import ReportManager
from app.jobs.worker import Worker, worker_pool_size

log = logging.getLogger(__name__)


async def _keep_session(_: asyncpg.Connection) -> None:
    """Reset of an API connection on release: nothing. The API sets no session state, listens to nothing and takes
    no advisory locks, so asyncpg's default reset (RESET ALL, UNLISTEN *, ...) would only add a round trip to every
    request. asyncpg still rolls back a transaction left open."""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    app.state.pool = await create_pool(settings, reset=_keep_session)
    app.state.manager = ReportManager(app.state.pool)
    app.state.progress = ProgressCache(app.state.manager)
    app.state.access = AccessManager(app.state.pool)
    app.state.authenticator = Authenticator(app.state.access, settings.key_cache_seconds)
    worker: Worker | None = None
    worker_task: asyncio.Task | None = None
    worker_pool: asyncpg.Pool | None = None
    try:
        await app.state.manager.check_schema()
        if settings.embedded_worker:
            # Its own pool, so a flood of API requests cannot starve the heartbeat or the report's shards.
            worker_pool = await create_pool(settings, max_size=worker_pool_size(settings))
            worker = Worker(worker_pool, settings)
            worker_task = asyncio.create_task(worker.run(), name="embedded worker")
        yield
    finally:
        if worker is not None and worker_task is not None:
            worker.stop()
            await asyncio.wait({worker_task})
            if not worker_task.cancelled() and worker_task.exception() is not None:
                log.error("the embedded worker failed", exc_info=worker_task.exception())
        if worker_pool is not None:
            await worker_pool.close()
        await app.state.pool.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="storepulse",
        summary="Store uptime and downtime during business hours, as CSV reports computed in PostgreSQL.",
        lifespan=_lifespan,
    )
    app.state.settings = settings = settings or get_settings()
    app.include_router(api.router)
    app.include_router(web.router)
    install_error_handlers(app)
    # The last added runs first: metrics see every answer, the 413s of the body limit included.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HttpMetrics)
    return app
