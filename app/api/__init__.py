"""The HTTP API (FastAPI): one router per resource in routes/, collected here; app/service.py wires it."""

from fastapi import APIRouter

from app.api.routes import polls, report_files, reports, stores

router = APIRouter()
router.include_router(reports.router)
router.include_router(report_files.router)
router.include_router(polls.router)
router.include_router(stores.router)

__all__ = ["router"]
