"""create_app: the HTTP service, the API (app/api) and the web pages (app/web) on one FastAPI application. The
lifespan owns the process's pool and, by default, the background work of a worker (app/background.py)."""

import contextlib
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
from app.api.status_cache import StatusCache
from app.background import background_work
from app.config import Settings, get_settings
from app.db.connect import create_pool
from app.jobs.manager import ReportManager

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
    app.state.status_cache = StatusCache(app.state.manager)
    app.state.access = AccessManager(app.state.pool)
    app.state.authenticator = Authenticator(app.state.access, settings.key_cache_seconds)
    try:
        await app.state.manager.check_schema()
        async with contextlib.AsyncExitStack() as stack:
            if settings.embedded_worker:
                # Pools of their own, so a flood of API requests cannot starve the heartbeat or a report's shards.
                await stack.enter_async_context(background_work(settings))
            yield
    finally:
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
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, per_path=api.BODY_LIMITS)
    app.add_middleware(HttpMetrics)
    return app
