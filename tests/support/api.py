"""Helpers of the API and job tests: the API over real HTTP, waits on a report, a data set loaded through ingest,
the model's CSV."""

from __future__ import annotations

import asyncio
import csv
import random
import tempfile
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from datetime import time as wall_clock
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx
import uvicorn

from app.access import admin
from app.config import Settings
from app.db.connect import create_pool
from app.db.models import ApiRole
from app.ingest import ingest
from app.service import create_app
from tests.support.database import free_port
from tests.support.model import HourRow, Poll, SpecialRow, compute_report, to_csv
from tests.support.wait import WAIT, wait_until, wait_until_sync

T = TypeVar("T")


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """make() run to completion on an event loop of its own, in a thread: callable from sync and async tests."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(make())
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="run_async")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def on_pool(settings: Settings, work: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    async def run() -> T:
        pool = await create_pool(settings, min_size=1, max_size=2)
        try:
            return await work(pool)
        finally:
            await pool.close()

    return run_async(run)


def create_key(settings: Settings, name: str, role: str = "admin", tenant: str | None = None) -> str:
    """A new key, as `python -m app key create` makes it: the key itself."""
    return on_pool(settings, lambda pool: admin.create_key(pool, name, ApiRole(role), tenant)).token


def add_tenant(settings: Settings, name: str, store_ids: Iterable[str]) -> None:
    on_pool(settings, lambda pool: admin.add_tenant(pool, name, list(store_ids)))


def revoke_key(settings: Settings, name: str) -> None:
    on_pool(settings, lambda pool: admin.revoke_key(pool, name))


def bearer(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


_ADMIN: object = object()  # client(): the server's own admin key


class ApiServer:
    """uvicorn serving create_app(settings) on a free port, in a thread with its own event loop. It makes an admin
    key of its own (`admin_key`), which its clients send unless told otherwise."""

    def __init__(self, settings: Settings, **uvicorn_options: object):
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_key = ""
        options = {"log_level": "warning", **uvicorn_options}
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, lifespan="on",
                                **options)  # type: ignore[arg-type]
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn:{self.port}", daemon=True)

    def headers(self, key: str | None | object = _ADMIN) -> dict[str, str]:
        return bearer(self.admin_key if key is _ADMIN else key)  # type: ignore[arg-type]

    def sync_client(self, key: str | None | object = _ADMIN) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, headers=self.headers(key))

    def __enter__(self) -> ApiServer:
        self.admin_key = create_key(self.settings, f"test-admin-{self.port}")
        self.thread.start()
        wait_until_sync(lambda: self.server.started or not self.thread.is_alive(), 30, "the API server starts")
        assert self.server.started, "the API server stopped before it started serving"
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        assert not self.thread.is_alive(), "the API server did not stop"

    def client(self, key: str | None | object = _ADMIN) -> httpx.AsyncClient:
        """A client sending `key` (default: the server's admin key; None: no key)."""
        return httpx.AsyncClient(base_url=self.url, timeout=30, headers=self.headers(key))


async def sign_in(client: httpx.AsyncClient, key: str) -> httpx.Response:
    """The web page's sign-in form posted with `key`: the client keeps the session cookie."""
    return await client.post("/signin", data={"key": key, "next": "/"})


async def wait_for_report(client: httpx.AsyncClient, report_id: str, timeout: float = WAIT) -> httpx.Response:
    """Poll GET /get_report/{id} until it is no longer 202; returns that response."""
    async def answer() -> httpx.Response | None:
        response = await client.get(f"/get_report/{report_id}")
        return None if response.status_code == 202 else response

    return await wait_until(answer, timeout, f"report {report_id} finishes", interval=0.1)


async def wait_for_row(conn: asyncpg.Connection, report_id: str | uuid.UUID,
                       condition: Callable[[asyncpg.Record], bool], timeout: float = WAIT) -> asyncpg.Record:
    """The report's row once `condition` holds for it."""
    last: list[asyncpg.Record] = []

    async def row() -> asyncpg.Record | None:
        last[:] = [await conn.fetchrow("select * from report where id = $1", uuid.UUID(str(report_id)))]
        return last[0] if condition(last[0]) else None

    try:
        return await wait_until(row, timeout, f"report {report_id} reaches the state")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the report's row: {dict(last[0]) if last[0] else None}") from None


ZONES = ["America/New_York", "America/Denver", "America/Los_Angeles", "Europe/London", "Australia/Sydney",
         "Asia/Kolkata", "Asia/Kathmandu", "Mars/Olympus"]
SAMPLE_END = datetime(2024, 3, 14, 23, 0, tzinfo=UTC)  # its week holds the US spring-forward (2024-03-10)


def sample_rows(stores: int, seed: int = 5) -> tuple[list[Poll], list[HourRow], dict[str, str]]:
    """A deterministic small data set in the model's shape: roughly hourly polls over 8 days with runs of one
    status, duplicate and same-instant polls, late-starting stores, varied hours (overnight, 23:59:59,
    start == end, overlaps, some days only), zones with DST and odd offsets or none or invalid, and a store that
    only has hours."""
    rng = random.Random(seed)
    ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(stores - 2)] + ["1234567", "89"]
    polls, hours, zones = [], [], {}
    for store in ids:
        first = SAMPLE_END - timedelta(days=rng.choice([8, 8, 8, 2]))
        ts, status = first + timedelta(seconds=rng.uniform(0, 3600)), "active"
        while ts <= SAMPLE_END:
            if rng.random() < 0.08:
                status = "inactive" if status == "active" else "active"
            polls.append(Poll(store, status, ts))
            if rng.random() < 0.01:
                polls.append(Poll(store, rng.choice(["active", "inactive"]), ts))  # same instant
            ts += timedelta(seconds=rng.uniform(2400, 4800), microseconds=rng.randrange(1_000_000))
        shape = rng.random()
        if shape < 0.5:
            start, end = rng.choice([("09:00", "17:00"), ("22:00", "02:00"), ("00:00", "23:59:59"),
                                     ("10:30", "10:30"), ("06:15", "14:45")])
            for day in rng.sample(range(7), rng.choice([7, 7, 5, 2])):
                hours.append(HourRow(store, day, wall_clock.fromisoformat(start), wall_clock.fromisoformat(end)))
            if shape < 0.1:
                hours.append(HourRow(store, rng.randrange(7), wall_clock(12), wall_clock(20)))  # overlaps
        if rng.random() < 0.5:
            zones[store] = rng.choice(ZONES)
    hours.append(HourRow("only-hours", 0, wall_clock(9), wall_clock(17)))
    zones["only-hours"] = "UTC"
    return polls, hours, zones


def write_sample_files(folder: Path, polls: Iterable[Poll], hours: Iterable[HourRow],
                       zones: dict[str, str]) -> Path:
    """Model rows as the three CSV files in the public data set's shape."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "store_status.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["store_id", "status", "timestamp_utc"])
        out.writerows((p.store_id, p.status, p.ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
                      for p in polls)
    with (folder / "menu_hours.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["store_id", "dayOfWeek", "start_time_local", "end_time_local"])
        out.writerows((h.store_id, h.day_of_week, h.start.isoformat(), h.end.isoformat()) for h in hours)
    with (folder / "timezones.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["store_id", "timezone_str"])
        out.writerows(zones.items())
    return folder


def load_sample(settings: Settings, stores: int) -> None:
    """sample_rows(stores) written as CSV files and loaded through the project's loader (`ingest`); the model
    reads back what the database holds (model_csv), so it sees the same rows as the engine."""
    with tempfile.TemporaryDirectory(prefix="storepulse-sample-") as folder:
        files = write_sample_files(Path(folder), *sample_rows(stores))
        result = run_async(lambda: ingest(settings, files, progress=False, rejects=files / "rejects.csv"))
    assert result.ok and not any(f.rejected for f in result.files), result.table()


async def model_input(conn: asyncpg.Connection) -> tuple[list[Poll], list[HourRow], dict[str, str],
                                                          list[SpecialRow]]:
    """What the database holds as the model's rows (so the model sees exactly the rows the engine sees)."""
    polls = [Poll(r["store_id"], r["status"], r["timestamp_utc"])
             for r in await conn.fetch("select store_id, status::text, timestamp_utc from store_status")]
    hours = [HourRow(r["store_id"], r["day_of_week"], r["start_time_local"], r["end_time_local"])
             for r in await conn.fetch("select store_id, day_of_week, start_time_local, end_time_local "
                                       "from store_hours")]
    zones = {r["store_id"]: r["timezone_str"] for r in await conn.fetch("select * from store_timezone")}
    special = [SpecialRow(r["store_id"], r["date_local"], r["start_time_local"], r["end_time_local"])
               for r in await conn.fetch("select store_id, date_local, start_time_local, end_time_local "
                                         "from special_hours")]
    return polls, hours, zones, special


async def model_csv(conn: asyncpg.Connection, as_of: datetime, store_ids: Iterable[str] | None = None) -> str:
    """The reference model's report CSV of what the database holds."""
    polls, hours, zones, special = await model_input(conn)
    return to_csv(compute_report(polls, hours, zones, as_of, store_ids, special))
