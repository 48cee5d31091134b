"""The HTTP API (FastAPI): one router per resource in routes/, collected here; app/service.py wires it."""

from fastapi import APIRouter

from app.api.routes import reports

router = APIRouter()
router.include_router(reports.router)

__all__ = ["router"]
