"""The web pages for people who read the reports: server-rendered HTML, one small script, one stylesheet.

`router` serves the sign-in form, the pages and their static files; create_app includes it next to the API's
routers."""

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from app.web import pages, signin
from app.web.render import STATIC_DIR

router = APIRouter()
router.include_router(signin.router)
router.include_router(pages.router)
router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

__all__ = ["router"]
