"""Signing in to the web page with an API key, once: the key is posted in a form (never put in a URL), checked, and
exchanged for a session whose token goes to an HttpOnly, SameSite=Strict cookie (the database keeps only its hash).
The pages, and the API calls of their script, then act for that key until the session ends (SESSION_HOURS), the key
is revoked, or the browser signs out."""

from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.tokens import SESSION_COOKIE
from app.web.deps import AuthenticatorDep, SignedInDep
from app.web.render import templates

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

_FORM_TYPE = "application/x-www-form-urlencoded"
_MAX_FORM_BYTES = 4_096


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def sign_in_first(request: Request) -> Response:
    """Where a page sends a browser that has not signed in: the sign-in form, coming back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/signin?next={quote(here, safe='/')}", status_code=status.HTTP_303_SEE_OTHER)


def _same_site(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _form(request: Request, message: str | None, next_path: str, status_code: int) -> Response:
    response = templates.TemplateResponse(request, "signin.html", {"message": message, "next": next_path},
                                          status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/signin")
async def signin_form(request: Request, caller: SignedInDep, next: str | None = None) -> Response:  # noqa: A002
    if caller is not None:
        return RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    return _form(request, None, safe_next(next), status.HTTP_200_OK)


@router.post("/signin")
async def signin(request: Request, authenticator: AuthenticatorDep) -> Response:
    if not _same_site(request):
        return _form(request, "Sign-in from another site refused.", "/", status.HTTP_403_FORBIDDEN)
    body = await request.body()
    if request.headers.get("content-type", "").split(";")[0].strip() != _FORM_TYPE or len(body) > _MAX_FORM_BYTES:
        return _form(request, "Send the sign-in form.", "/", status.HTTP_400_BAD_REQUEST)
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=4)
    key = (fields.get("key") or [""])[0].strip()
    next_path = safe_next((fields.get("next") or ["/"])[0])
    if not key:
        return _form(request, "Enter an API key.", next_path, status.HTTP_401_UNAUTHORIZED)
    settings = request.app.state.settings
    signed_in = await authenticator.sign_in(key, settings.session_hours * 3600)
    if signed_in is None:
        return _form(request, "That key is not valid: it is unknown, revoked or mistyped.", next_path,
                     status.HTTP_401_UNAUTHORIZED)
    response = RedirectResponse(next_path, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(SESSION_COOKIE, signed_in.session.token, max_age=int(settings.session_hours * 3600),
                        path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/signout")
async def signout(request: Request, authenticator: AuthenticatorDep) -> Response:
    if not _same_site(request):
        return _form(request, "Sign-out from another site refused.", "/", status.HTTP_403_FORBIDDEN)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await authenticator.sign_out(token)
    response = RedirectResponse("/signin", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response
