"""ASGI middleware of the service: request body size limit and HTTP metrics. Pure ASGI (no BaseHTTPMiddleware),
so streamed responses such as the CSV pass through untouched."""

import asyncio
import json
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics


class BodyLimit:
    """413 for a request body over `max_bytes`: at once when its Content-Length says so, else as soon as the bytes
    read pass it (chunked bodies). The answer says what the limit is. `per_path` gives some paths a limit of their
    own (`POST /polls` takes batches of polls, and checks its own limit as it reads)."""

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: dict[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = per_path or {}

    def _message(self, limit: int, size: int | None) -> str:
        said = f"has {size:,} bytes" if size is not None else "is longer"
        setting = "" if limit != self.max_bytes else " (MAX_BODY_BYTES)"
        return (f"the request body {said}; at most {limit:,} bytes are accepted{setting}. "
                "Send fewer store ids or rows per request")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.max_bytes)
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and length.isdigit() and int(length) > limit:
            if int(length) <= _DRAIN_BYTES:
                await _drain(receive)
            await self._refuse(send, limit, int(length))
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException: FastAPI lets it through its body reading, to app/api/errors.py.
                    raise HTTPException(413, self._message(limit, None))
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, send: Send, limit: int, size: int) -> None:
        body = json.dumps({"detail": self._message(limit, size)}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


_DRAIN_SECONDS = 5.0
_DRAIN_BYTES = 64 * 1024 * 1024


async def _drain(receive: Receive) -> None:
    """Reads and drops a refused body (up to a size and a time) before answering, as web servers' lingering close
    does: a client still sending when the connection closes gets a reset instead of the 413."""
    deadline, read = time.monotonic() + _DRAIN_SECONDS, 0
    while read < _DRAIN_BYTES and (left := deadline - time.monotonic()) > 0:
        try:
            message = await asyncio.wait_for(receive(), left)
        except TimeoutError:
            return
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        read += len(message.get("body", b""))


class HttpMetrics:
    """Counts each request by route template (never the raw path), method and status, and times it to its last
    byte (app/metrics.py)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            route = getattr(scope.get("route"), "path", None) or metrics.UNMATCHED_ROUTE
            method = scope["method"] if scope["method"] in _METHODS else "other"
            metrics.HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            metrics.HTTP_REQUEST_DURATION.labels(route=route, method=method).observe(time.perf_counter() - started)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
