"""The deliverer: posts the webhook outbox's events, at least once each, in the order they became due.

An event is claimed with its row locked (FOR UPDATE SKIP LOCKED) for the time of the POST, so two deliverers never
post it at once and one killed mid-delivery leaves it to the next. The body is JSON
`{"id", "event", "created_at", "incident"}`; `X-Storepulse-Signature: sha256=<hex>` is the HMAC-SHA256 of the exact
body with the rule's secret, and `X-Storepulse-Timestamp` repeats when it was sent; a receiver drops duplicates by
`id`. A 2xx marks it delivered; anything else is retried after an exponentially growing delay with jitter, and after
WEBHOOK_MAX_ATTEMPTS tries the event is marked failed (shown in /metrics and on the web page). Up to
WEBHOOK_CONCURRENCY events are posted at once, each by a loop of its own claiming the next due event (one receiver
that is slow to answer does not hold up the others); an incident's events still go out one after the other. Woken by
NOTIFY on storepulse_webhooks (a connection of its own), and at the latest when the next retry is due."""

import asyncio
import hashlib
import hmac
import json
import logging
import random
import time
from datetime import UTC, datetime

import asyncpg
import httpx

from app import metrics
from app.alerts.urls import check_webhook_url
from app.config import Settings
from app.db.connect import connect
from app.db.queries import queries
from app.errors import InvalidWebhookUrl

log = logging.getLogger(__name__)

CHANNEL = "storepulse_webhooks"
_IDLE_SECONDS = 30.0


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, body), header)


def backoff(attempt: int, base: float) -> float:
    """Seconds before try `attempt + 1`: base x 2^(attempt-1), with up to 25 % jitter so retries spread out."""
    delay = base * 2 ** (attempt - 1)
    return delay * (1 + random.uniform(0, 0.25))  # noqa: S311 -- jitter, not a secret


class Deliverer:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, client: httpx.AsyncClient | None = None):
        self.pool = pool
        self.settings = settings
        self._client = client
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def run(self) -> None:
        listener = None
        client = self._client or httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds,
                                                   follow_redirects=False)
        try:
            while not self._stop.is_set():
                if listener is None or listener.is_closed():
                    listener = await self._listen()
                self._wake.clear()
                try:
                    await asyncio.gather(*(self._drain(client) for _ in range(self.settings.webhook_concurrency)))
                    wait = await self.pool.fetchval(queries["next_webhook_due_in"])
                except Exception:  # noqa: BLE001 -- the database may be restarting: retry in a moment
                    log.exception("webhook delivery failed; retrying shortly")
                    wait = 1.0
                pause = _IDLE_SECONDS if wait is None else min(wait, _IDLE_SECONDS)
                try:
                    await asyncio.wait_for(self._wake.wait(), pause)
                except TimeoutError:
                    pass
        finally:
            if listener is not None and not listener.is_closed():
                await listener.close()
            if self._client is None:
                await client.aclose()

    async def _drain(self, client: httpx.AsyncClient) -> None:
        while not self._stop.is_set() and await self.deliver_one(client):
            pass

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await connect(self.settings)
            await conn.add_listener(CHANNEL, lambda *_: self._wake.set())
            return conn
        except Exception:  # noqa: BLE001 -- keep delivering on the timer
            log.warning("LISTEN %s failed; checking the outbox every %.0f s", CHANNEL, _IDLE_SECONDS)
            return None

    async def deliver_one(self, client: httpx.AsyncClient) -> bool:
        """Posts one due event; False when none is due."""
        async with self.pool.acquire() as conn, conn.transaction():
            event = await conn.fetchrow(queries["claim_due_webhook"])
            if event is None:
                return False
            body = json.dumps({"id": str(event["id"]), "event": event["event"],
                               "created_at": event["created_at"].isoformat(), "incident": event["payload"]},
                              separators=(",", ":")).encode()
            problem = await self._post(client, event["webhook_url"], event["secret"], body)
            attempt = event["attempts"] + 1
            if problem is None:
                await conn.execute(queries["mark_webhook_delivered"], event["id"])
                outcome = "delivered"
            elif attempt >= self.settings.webhook_max_attempts:
                await conn.execute(queries["mark_webhook_failed"], event["id"], problem)
                log.warning("webhook %s given up after %d tries: %s", event["id"], attempt, problem)
                outcome = "failed"
            else:
                await conn.execute(queries["mark_webhook_retry"], event["id"],
                                   backoff(attempt, self.settings.webhook_backoff_seconds), problem)
                outcome = "retried"
        metrics.WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()  # once the outcome is committed
        return True

    async def _post(self, client: httpx.AsyncClient, url: str, secret: str, body: bytes) -> str | None:
        """None when the receiver took it, else what went wrong (never the secret or the body)."""
        try:
            await check_webhook_url(url, self.settings.webhook_allow_loopback)
        except InvalidWebhookUrl as exc:
            return str(exc)
        headers = {"content-type": "application/json", "user-agent": "storepulse-webhooks",
                   "x-storepulse-signature": signature(secret, body),
                   "x-storepulse-timestamp": datetime.now(UTC).isoformat(timespec="seconds")}
        started = time.perf_counter()
        try:
            response = await client.post(url, content=body, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:  # never the URL: it may hold a token
            return f"{type(exc).__name__} after {time.perf_counter() - started:.1f} s"
        if 200 <= response.status_code < 300:
            return None
        return f"the receiver answered {response.status_code}"
