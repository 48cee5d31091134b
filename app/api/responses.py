"""The responses routes document in the OpenAPI document besides their success: every status code a route can
answer with, with its body's schema and headers. A route lists the ones it can give:

    @router.post("/polls", responses=responses(AUTH, BODY, 422))
"""

from typing import Any

from app.api.schemas import ErrorResponse, RateLimited, ValidationProblem

Responses = dict[int | str, dict[str, Any]]

_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": '`Bearer realm="storepulse"` (RFC 6750), with `error="invalid_token"` when a key was sent',
        "required": True,
        "schema": {"type": "string"},
    },
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "required": True,
                    "schema": {"type": "integer"}},
}

_KNOWN: Responses = {
    401: {"model": ErrorResponse, "headers": _WWW_AUTHENTICATE,
          "description": "No API key (`Authorization: Bearer <key>`) or web session, or not a valid one"},
    403: {"model": ErrorResponse, "description": "The key's role does not allow this"},
    404: {"model": ErrorResponse, "description": "Unknown or malformed report id, or a report of another tenant"},
    409: {"model": ErrorResponse, "description": "The report's state does not allow this"},
    413: {"model": ErrorResponse, "description": "The request body is larger than MAX_BODY_BYTES"},
    422: {"model": ValidationProblem, "description": "Invalid request (or a body that is not JSON): `detail` says "
                                                     "what is wrong"},
    429: {"model": RateLimited, "headers": _RETRY_AFTER,
          "description": "The key has as many reports queued or running as it may (REPORTS_PER_KEY)"},
}

AUTH = (401, 403)  # every route that needs a key
BODY = (413, 422)  # every route that takes a body


def responses(*codes: int | tuple[int, ...], **described: str) -> Responses:
    """The documented responses for these status codes; `described` overrides a description by code
    (`_404="..."`)."""
    flat = [c for code in codes for c in (code if isinstance(code, tuple) else (code,))]
    chosen: Responses = {}
    for code in flat:
        entry = dict(_KNOWN[code])
        if (text := described.get(f"_{code}")) is not None:
            entry["description"] = text
        chosen[code] = entry
    return chosen
