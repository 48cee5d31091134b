"""The pages' dependencies: the process's pool, and the signed-in caller (from the session cookie), both from the
application's state (set by app/service.py)."""

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from app.access.authenticate import Authenticator
from app.access.caller import Caller
from app.access.tokens import SESSION_COOKIE


async def get_pool(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


async def get_authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator


async def signed_in(request: Request) -> Caller | None:
    """The caller whose key this browser signed in with; None when it has not, or its session ended."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    authenticator: Authenticator = request.app.state.authenticator
    return await authenticator.by_session(token)


PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]
SignedInDep = Annotated[Caller | None, Depends(signed_in)]
