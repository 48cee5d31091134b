"""Liveness and readiness, without a key (Kubernetes' probes): `GET /healthz` says the process answers; `GET
/readyz` says it can do its job now: the database answers, its schema is current, and a report worker is alive."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from app.api.deps import ManagerDep, PoolDep
from app.api.schemas import Liveness, Readiness
from app.db.migrate import schema_state

router = APIRouter(tags=["health"])

_CHECK_SECONDS = 3.0  # a database slower than this to answer counts as unreachable


@router.get("/healthz", response_model=Liveness)
async def healthz() -> Liveness:
    """The process is up and answering (no database involved)."""
    return Liveness()


_NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {"model": Readiness, "description": "Not ready: `reasons` says why"},
}


@router.get("/readyz", response_model=Readiness, responses=_NOT_READY)
async def readyz(request: Request, pool: PoolDep, manager: ManagerDep) -> JSONResponse:
    """Ready when the database answers, every migration and function file is applied, and a report worker (this
    process's or another's) was seen within a lease; 503 with the reasons otherwise."""
    lease = request.app.state.settings.lease_seconds
    reasons: list[str] = []
    database = schema_current = False
    workers = 0
    try:
        async with asyncio.timeout(_CHECK_SECONDS):
            async with pool.acquire() as conn:
                state = await schema_state(conn)
            database = True
            schema_current = state.current
            if state.current:
                workers = await manager.workers_alive(lease)
                if workers == 0:
                    reasons.append(f"no report worker was seen in the last {lease} s: start one (`python -m app "
                                   "worker`, or `serve` without --no-worker)")
            else:
                pending = [*state.pending_migrations, *(f"functions/{f}" for f in state.changed_functions)]
                more = " and more" if len(pending) > 5 else ""
                reasons.append(f"the database schema is not current ({', '.join(pending[:5])}{more} not applied): "
                               "run `python -m app db migrate`")
    except TimeoutError:
        reasons.append(f"the database did not answer within {_CHECK_SECONDS:g} s")
    except Exception as exc:  # unreachable, refused, or the schema unreadable: not ready, whatever it is
        reasons.append(f"the database is not reachable: {type(exc).__name__}: {exc}")
    answer = Readiness(status="not ready" if reasons else "ready", reasons=reasons, database=database,
                       schema_current=schema_current, workers_alive=workers)
    return JSONResponse(answer.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE if reasons else 200)
