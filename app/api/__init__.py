"""The HTTP API (FastAPI): one router per resource in routes/, collected here; app/service.py wires it. Who may call
what: auth.py (dependencies every route that needs a key uses); what each route documents: responses.py."""

from fastapi import APIRouter

from app.api.routes import alerts, health, metrics, polls, report_files, reports, stores

router = APIRouter()
router.include_router(reports.router)
router.include_router(report_files.router)
router.include_router(polls.router)
router.include_router(stores.router)
router.include_router(alerts.router)
router.include_router(health.router)
router.include_router(metrics.router)

# Request body limits of their own (app/api/middleware.py's BodyLimit; every other path: MAX_BODY_BYTES).
BODY_LIMITS = {"/polls": polls.MAX_BYTES}

__all__ = ["BODY_LIMITS", "router"]
