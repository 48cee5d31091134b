"""The HTTP API (FastAPI): one router per resource in routes/, collected here; app/service.py wires it. Who may call
what: auth.py (dependencies every route that needs a key uses); what each route documents: responses.py."""

from fastapi import APIRouter

from app.api.routes import health, metrics, polls, report_files, reports, stores

router = APIRouter()
router.include_router(reports.router)
router.include_router(report_files.router)
router.include_router(polls.router)
router.include_router(stores.router)
router.include_router(health.router)
router.include_router(metrics.router)

__all__ = ["router"]
