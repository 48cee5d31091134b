"""`python -m app demo` (what `make demo` runs): the main job end to end on this machine. The default sample
data (generated once, cached), loaded with the loader; an admin key of its own (`demo`, made anew each run); the
service started; a report triggered over HTTP with that key and polled with its progress shown; the CSV saved; a
few summary lines; the service stopped."""

import asyncio
import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from app.access import admin
from app.config import PROJECT_ROOT, Settings
from app.db.admin import up
from app.db.connect import create_pool
from app.db.models import ApiRole
from app.errors import KeyNotFound
from app.ingest import ingest
from app.sample import generate_sample

SAMPLE_DIR = PROJECT_ROOT / ".data" / "sample" / "default"
REPORT_DIR = PROJECT_ROOT / ".data" / "reports"
DEMO_KEY = "demo"


def _step(message: str) -> None:
    print(f"==> {message}", flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sample() -> Path:
    if not (SAMPLE_DIR / "store_status.csv").exists():
        _step("generating the default sample data (~14 k stores, ~2 M polls)")
        print(generate_sample(SAMPLE_DIR))
    else:
        _step(f"sample data: {SAMPLE_DIR} (cached)")
    return SAMPLE_DIR


def _start_service(port: int) -> subprocess.Popen:
    _step(f"starting the service on http://127.0.0.1:{port} (API docs at /docs)")
    return subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port), "--no-access-log"],
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


async def _demo_key(settings: Settings) -> str:
    """A fresh admin key named `demo` (the previous run's is revoked: its secret was never kept)."""
    pool = await create_pool(settings, min_size=1, max_size=2)
    try:
        try:
            await admin.revoke_key(pool, DEMO_KEY)
        except KeyNotFound:
            pass
        return (await admin.create_key(pool, DEMO_KEY, ApiRole.admin, None)).token
    finally:
        await pool.close()


def _wait_until_up(client: httpx.Client, service: subprocess.Popen, timeout: float = 60) -> None:
    """Until GET /readyz says ready: database reachable, schema current, the embedded worker alive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.poll() is not None:
            errors = service.stderr.read() if service.stderr else ""
            raise SystemExit(f"the service exited with {service.returncode}:\n{errors}")
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not answer within a minute")


def _run_report(client: httpx.Client) -> Path:
    started = time.monotonic()
    report_id = client.post("/trigger_report").json()["report_id"]
    _step(f"report {report_id} triggered (POST /trigger_report)")
    while True:
        response = client.get(f"/get_report/{report_id}")
        if response.status_code == 202:
            progress = response.json()["progress"]
            total = progress["stores_total"]
            shown = f"{progress['stores_done']:,}/{total:,} stores" if total else "starting"
            print(f"    running: {shown}", flush=True)
            time.sleep(0.5)
            continue
        if response.status_code != 200:
            raise SystemExit(f"the report did not complete: {response.status_code} {response.text}")
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        path = REPORT_DIR / f"report_{report_id}.csv"
        path.write_bytes(response.content)
        _step(f"report complete in {time.monotonic() - started:.1f} s; CSV saved: {path}")
        return path


def _summary(path: Path) -> None:
    with path.open() as f:
        rows = list(csv.DictReader(f))
    up_week = sum(float(r["uptime_last_week"]) for r in rows)
    down_week = sum(float(r["downtime_last_week"]) for r in rows)
    worst = sorted(rows, key=lambda r: float(r["downtime_last_week"]), reverse=True)[:3]
    print(f"    {len(rows):,} stores; last week {up_week:,.0f} business hours up, {down_week:,.0f} down "
          f"({100 * up_week / max(up_week + down_week, 1e-9):.1f} % uptime)")
    for r in worst:
        print(f"    most downtime: {r['store_id']} {float(r['downtime_last_week']):.2f} h down, "
              f"{float(r['uptime_last_week']):.2f} h up")


def run_demo(settings: Settings) -> int:
    _step("database: embedded PostgreSQL + TimescaleDB" if settings.embedded else "database: DATABASE_URL")
    up(settings)
    sample = _sample()
    _step("loading the sample with the loader (python -m app ingest)")
    print(asyncio.run(ingest(settings, sample)).table())
    _step(f"an admin key of its own: `{DEMO_KEY}` (python -m app key create {DEMO_KEY} --admin)")
    key = asyncio.run(_demo_key(settings))
    port = _free_port()
    service = _start_service(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"Authorization": f"Bearer {key}"}) as client:
            _wait_until_up(client, service)
            _summary(_run_report(client))
    finally:
        _step("stopping the service")
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
    return 0
