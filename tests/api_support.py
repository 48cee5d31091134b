"""Helpers of the API and job tests: the API served over real HTTP, worker processes, sample data, the model's CSV."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
import uvicorn

from app.api.main import create_app
from app.config import PROJECT_ROOT, Settings
from app.ingest import ingest
from app.sample import generate_sample
from tests.model import HourRow, Poll, compute_report, to_csv

WAIT = 60.0  # upper bound of every wait on a report


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiServer:
    """uvicorn serving create_app(settings) on a free port, in a thread with its own event loop."""

    def __init__(self, settings: Settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn:{self.port}", daemon=True)

    def __enter__(self) -> ApiServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        assert not self.thread.is_alive(), "the API server did not stop"

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)


async def wait_for_report(client: httpx.AsyncClient, report_id: str, timeout: float = WAIT) -> httpx.Response:
    """Poll GET /get_report/{id} until it is no longer 202; returns that response."""
    deadline = time.monotonic() + timeout
    while (response := await client.get(f"/get_report/{report_id}")).status_code == 202:
        assert time.monotonic() < deadline, f"report {report_id} still running after {timeout} s"
        await asyncio.sleep(0.1)
    return response


def load_sample(settings: Settings, folder: Path, stores: int) -> None:
    """The generated sample of `stores` stores, loaded through the project's ingest."""
    generate_sample(folder, stores=stores)
    result = asyncio.run(ingest(settings, folder, progress=False, rejects=folder / "rejects.csv"))
    assert result.ok, result.table()


async def model_csv(conn: asyncpg.Connection, as_of: datetime, store_ids: Iterable[str] | None = None) -> str:
    """The reference model's CSV of what the database holds (so it sees exactly the rows the engine sees)."""
    polls = [Poll(r["store_id"], r["status"], r["timestamp_utc"])
             for r in await conn.fetch("select store_id, status::text, timestamp_utc from store_status")]
    hours = [HourRow(r["store_id"], r["day_of_week"], r["start_time_local"], r["end_time_local"])
             for r in await conn.fetch("select store_id, day_of_week, start_time_local, end_time_local "
                                       "from store_hours")]
    zones = {r["store_id"]: r["timezone_str"] for r in await conn.fetch("select * from store_timezone")}
    return to_csv(compute_report(polls, hours, zones, as_of, store_ids))


def worker_env(settings: Settings, **overrides: object) -> dict[str, str]:
    """Environment that points `python -m app worker` at the test database with the test's settings."""
    env = dict(os.environ)
    values = {
        "DATABASE_URL": settings.database_url or "", "DATA_DIR": settings.data_dir, "PG_PORT": settings.pg_port,
        "PG_DATABASE": settings.pg_database, "LEASE_SECONDS": settings.lease_seconds,
        "MAX_ATTEMPTS": settings.max_attempts, "REPORT_SHARDS": settings.report_shards,
        "WORKER_CONCURRENCY": settings.worker_concurrency, **overrides,
    }
    env.update({name: str(value) for name, value in values.items()})
    return env


class WorkerProcess:
    """`python -m app worker` as a child process; its log goes to a file for the test's failure output."""

    def __init__(self, settings: Settings, log_path: Path, *args: str, **env: object):
        self.log_path = log_path
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "worker", *args], cwd=PROJECT_ROOT, env=worker_env(settings, **env),
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self.log.close()
