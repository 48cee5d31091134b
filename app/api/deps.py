"""Typed dependencies of the routes: the process's pool, job manager and report status cache; report ids from the URL.

They are `async def` although they do not await: FastAPI runs plain `def` dependencies in a thread pool, which
costs more than the work itself on the hot polling path."""

import uuid
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from app.api.status_cache import StatusCache
from app.errors import ReportNotFound
from app.jobs.actions import REPORT_NOT_FOUND
from app.jobs.manager import ReportManager


async def get_pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


async def get_manager(request: Request) -> ReportManager:
    return request.app.state.manager


async def get_status_cache(request: Request) -> StatusCache:
    return request.app.state.status_cache


async def parse_report_id(report_id: str) -> uuid.UUID:
    """A report id from the path or the query; one that is not a UUID names no report (404, not 422)."""
    try:
        return uuid.UUID(report_id)
    except ValueError:
        raise ReportNotFound(REPORT_NOT_FOUND) from None


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
ManagerDep = Annotated[ReportManager, Depends(get_manager)]
StatusCacheDep = Annotated[StatusCache, Depends(get_status_cache)]
ReportIdDep = Annotated[uuid.UUID, Depends(parse_report_id)]
