"""What the benchmarks share: a description of the machine, a plain text table, the JSON results file, an admin key,
and a service of storepulse started as a process of its own on a free port."""

import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from app.access import admin
from app.config import PROJECT_ROOT, Settings
from app.db.connect import create_pool
from app.db.models import ApiRole
from app.errors import KeyNotFound

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
BENCH_KEY = "bench"


async def bench_key(settings: Settings) -> dict[str, str]:
    """The headers of a fresh admin key named `bench` (the previous run's is revoked)."""
    pool = await create_pool(settings, min_size=1, max_size=2)
    try:
        try:
            await admin.revoke_key(pool, BENCH_KEY)
        except KeyNotFound:
            pass
        return {"Authorization": f"Bearer {(await admin.create_key(pool, BENCH_KEY, ApiRole.admin, None)).token}"}
    finally:
        await pool.close()


def machine() -> dict:
    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "ram_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def table(headers: list[str], rows: list[list]) -> str:
    """Columns right-aligned except the first; floats with 2 decimals, ints with thousands separators."""
    def cell(value) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    cells = [[cell(v) for v in row] for row in [headers, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = [" ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, " ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_results(name: str, results: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, "finished_at": datetime.now(UTC).isoformat(timespec="seconds"), **results}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings: Settings, port: int, log_path: Path, **env: str) -> subprocess.Popen:
    """`python -m app serve` on the given database and port (its log in log_path), with extra settings."""
    environment = dict(os.environ, PG_DATABASE=settings.pg_database, **env)
    with log_path.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port), "--no-access-log"],
                                cwd=PROJECT_ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)


async def wait_until_up(session: aiohttp.ClientSession, url: str, server: subprocess.Popen,
                        path: str = "/readyz") -> None:
    """Until `path` answers 200 (/healthz for a service without a worker, which is never ready for reports)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited; see its log")
        try:
            async with session.get(f"{url}{path}") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not come up within 60 s")
