"""The pages' dependency: the process's pool, from the application's state (set by app/service.py)."""

from typing import Annotated

import asyncpg
from fastapi import Depends, Request


async def get_pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
