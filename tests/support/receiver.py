"""A real HTTP webhook receiver for the alert tests: aiohttp on a free port of 127.0.0.1, recording every request
(its body, headers and when it arrived), answering each with the next status of a script (then 200), or holding
requests until released."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from aiohttp import web

from tests.support.database import free_port


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]  # names in lower case
    at: float  # time.monotonic()
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    hold: asyncio.Event | None = None  # when set: requests wait for it before answering
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = self.statuses.pop(0) if self.statuses else 200
        self.received.append(Received(body, {k.lower(): v for k, v in request.headers.items()}, time.monotonic(),
                                      status))
        self.arrived.set()
        if self.hold is not None:
            await self.hold.wait()
        return web.Response(status=status)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]

    async def wait_for(self, count: int, timeout: float = 30.0, accepted_only: bool = True) -> list[Received]:
        """The requests once `count` have arrived (accepted ones only, by default)."""
        deadline = time.monotonic() + timeout
        while len(got := self.accepted() if accepted_only else self.received) < count:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"only {len(got)} of {count} webhook requests arrived: {[r.body for r in got]}"
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except TimeoutError:
                pass
        return got
