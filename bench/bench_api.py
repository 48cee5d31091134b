"""API benchmark: 200 clients polling a running report, and the time to stream a complete report's CSV.

    .venv/bin/python -m bench.bench_api [--clients 200] [--seconds 30] [--interval 0.5] [--stores 14000]

What it does, on the embedded cluster's database `storepulse_bench_api` (the default sample is generated and
ingested there the first time):
1. Makes an admin key of its own (`bench`, made anew each run; every request sends it as a Bearer token) and
   starts `python -m app serve --no-access-log` (uvicorn with the embedded worker) as a separate process.
2. CSV: a full report is run, then its CSV downloaded `--csv-runs` times; time to the last byte (median), size.
3. Polling. The polled report is held in state `running` by this benchmark: it claims the report with a long
   lease, as a worker would, and computes nothing, so the report stays running for as long as we measure. The
   clients poll `GET /get_report/{id}` (202 + progress), `--seconds` each in three phases:
   - paced, database idle: each client polls every `--interval` seconds (the way a UI polls);
   - paced, reports computing: the same while the server's embedded worker computes full reports of the sample
     back to back (triggered over HTTP one after the other), so the database's cores and the server process are
     as busy as they are while a real report runs;
   - saturated, reports computing: each client polls again as soon as it has its answer. Latency there is
     mostly queueing (Little's law: requests in flight / throughput); the row shows the throughput ceiling.
   Latency is measured in the client process (request sent to last byte), which shares the machine's cores with
   the server and the database, and with anything else running: the 1-minute load average before and after is
   recorded with the results.

Prints a table and writes JSON to bench/results/.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

import aiohttp
import asyncpg
import uvloop

from app.config import PROJECT_ROOT, Settings, get_settings
from app.db.setup import up
from app.ingest import ingest
from app.jobs.manager import ReportManager
from app.report.engine import newest_poll
from app.sample import generate_sample
from bench.common import bench_key, free_port, start_server, wait_until_up

BENCH_DATABASE = "storepulse_bench_api"
RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
HOLDER = "bench-holder"  # the worker id under which the polled report is held running


def log(message: str) -> None:
    print(f"[bench_api] {message}", file=sys.stderr, flush=True)


def bench_settings() -> Settings:
    return get_settings().model_copy(update={"pg_database": BENCH_DATABASE})


async def stored_stores(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.dsn())
    try:
        await conn.execute("truncate report cascade")  # earlier runs' reports: this database is the benchmark's
        return await conn.fetchval("select count(distinct store_id) from store_status")
    finally:
        await conn.close()


async def hold_running_report(settings: Settings) -> tuple[str, int]:
    """A full report claimed by this benchmark, as a worker would, so it stays `running`; and the poll count.
    Done before the server starts, so its worker cannot claim the report first."""
    pool = await asyncpg.create_pool(settings.dsn(), min_size=1, max_size=2)
    try:
        manager = ReportManager(pool)
        async with pool.acquire() as conn:
            as_of = await newest_poll(conn)
            polls = await conn.fetchval("select count(*) from store_status")
        assert as_of is not None, "the benchmark's database has no polls"
        held = await manager.enqueue(as_of)
        claimed = await manager.claim(HOLDER, 3600, 1)
        assert claimed is not None and claimed.id == held.id
        return str(held.id), polls
    finally:
        await pool.close()


def prepare_database(settings: Settings, stores: int) -> int:
    up(settings, say=lambda *_: None)
    if not (count := asyncio.run(stored_stores(settings))):
        folder = PROJECT_ROOT / ".data" / "bench" / f"sample-{stores}"
        if not (folder / "store_status.csv").exists():
            log(f"generating the sample ({stores:,} stores) in {folder}")
            generate_sample(folder, stores=stores)
        log("ingesting the sample")
        result = asyncio.run(ingest(settings, folder, progress=False, rejects=folder / "rejects.csv"))
        if not result.ok:
            raise SystemExit(result.table())
        count = asyncio.run(stored_stores(settings))
    return count


async def run_report(session: aiohttp.ClientSession, url: str, timeout: float = 300) -> dict:
    """Trigger a full report over HTTP, wait for it, return its metadata."""
    async with session.post(f"{url}/trigger_report") as response:
        assert response.status == 202, await response.text()
        report_id = (await response.json())["report_id"]
    deadline = time.monotonic() + timeout
    while True:
        async with session.get(f"{url}/reports/{report_id}") as response:
            report = await response.json()
        if report["status"] not in ("queued", "running"):
            return report
        if time.monotonic() > deadline:
            raise SystemExit(f"report {report_id} did not finish in {timeout} s")
        await asyncio.sleep(0.05)


async def keep_worker_busy(session: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> list[float]:
    """Full reports back to back until `stop`; returns their run times (started to finished, seconds)."""
    seconds = []
    while not stop.is_set():
        report = await run_report(session, url)
        assert report["status"] == "complete", report
        seconds.append((datetime.fromisoformat(report["finished_at"])
                        - datetime.fromisoformat(report["started_at"])).total_seconds())
    return seconds


async def poll(url: str, report_id: str, clients: int, seconds: float, interval: float,
               headers: dict[str, str]) -> dict:
    """`clients` clients polling GET /get_report/{id} for `seconds`; every answer must be the 202."""
    latencies: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            nonlocal failures
            if interval:
                await asyncio.sleep(random.uniform(0, interval))  # spread the clients over the interval
            while (started := time.perf_counter()) < deadline:
                async with session.get(f"{url}/get_report/{report_id}") as response:
                    await response.read()
                    if response.status != 202:
                        failures += 1
                latencies.append(time.perf_counter() - started)
                if interval:
                    await asyncio.sleep(max(0.0, started + interval - time.perf_counter()))

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "clients": clients, "seconds": round(elapsed, 2), "interval_s": interval, "requests": len(latencies),
        "non_202": failures, "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 2),
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 2),
        "max_ms": round(1000 * latencies[-1], 2),
    }


async def time_csv(session: aiohttp.ClientSession, url: str, report_id: str, runs: int) -> dict:
    times, size, lines = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        async with session.get(f"{url}/get_report/{report_id}") as response:
            assert response.status == 200 and response.headers["X-Report-Status"] == "Complete"
            size, lines = 0, 0
            async for chunk in response.content.iter_chunked(1 << 16):
                size += len(chunk)
                lines += chunk.count(b"\n")
        times.append(time.perf_counter() - started)
    return {"runs": runs, "median_s": round(statistics.median(times), 4),
            "times_s": [round(t, 4) for t in times], "bytes": size, "rows": lines - 1}


async def measure(url: str, server: subprocess.Popen, held_id: str, args: argparse.Namespace,
                  headers: dict[str, str]) -> dict:
    async with aiohttp.ClientSession(headers=headers) as session:
        await wait_until_up(session, url, server)
        log("a full report for the CSV download")
        complete = await run_report(session, url)
        assert complete["status"] == "complete", complete
        csv = await time_csv(session, url, complete["id"], args.csv_runs)

        polling = {}
        log(f"{args.clients} clients polling every {args.interval} s, database idle, for {args.seconds} s")
        polling["paced, database idle"] = {**await poll(url, held_id, args.clients, args.seconds, args.interval,
                                                        headers),
                                           "reports_computing": False}
        stop = asyncio.Event()
        busy = asyncio.create_task(keep_worker_busy(session, url, stop))
        try:
            await asyncio.sleep(0.5)  # the first background report is running
            for label, interval in (("paced, reports computing", args.interval),
                                    ("saturated, reports computing", 0.0)):
                log(f"{args.clients} clients polling ({label}) for {args.seconds} s")
                polling[label] = {**await poll(url, held_id, args.clients, args.seconds, interval, headers),
                                  "reports_computing": True}
        finally:
            stop.set()
            report_seconds = await busy
            async with session.post(f"{url}/reports/{held_id}/cancel") as response:
                assert response.status == 200, await response.text()
    return {"polling": polling, "background_reports": {
                "count": len(report_seconds), "median_run_s": round(statistics.median(report_seconds), 3)},
            "csv": csv, "report_rows": complete["row_count"]}


def print_table(result: dict) -> None:
    load = result["load_average_1min"]
    print(f"\nAPI benchmark: {result['stores']:,} stores, {result['polls']:,} polls; {result['clients']} clients; "
          f"{result['cpus']} CPUs; load average {load['before']:.2f} before, {load['after']:.2f} after")
    print(f"{'GET /get_report/{id} (202)':<34} {'every':>6} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'requests':>9} {'non-202':>8}")
    for label, p in result["polling"].items():
        every = f"{p['interval_s']:g} s" if p["interval_s"] else "-"
        print(f"{label:<34} {every:>6} {p['requests_per_s']:>7,.0f} {p['p50_ms']:>8.1f} {p['p99_ms']:>8.1f} "
              f"{p['max_ms']:>8.1f} {p['requests']:>9,} {p['non_202']:>8}")
    bg = result["background_reports"]
    print(f"reports computing: {bg['count']} full reports back to back by the server's embedded worker, median "
          f"{bg['median_run_s']:.2f} s each")
    c = result["csv"]
    print(f"CSV stream of a complete report: {c['rows']:,} rows, {c['bytes'] / 1e6:.2f} MB, median of {c['runs']} "
          f"{c['median_s'] * 1000:.0f} ms (runs: {', '.join(f'{t * 1000:.0f}' for t in c['times_s'])} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_api", description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between a paced client's polls")
    parser.add_argument("--stores", type=int, default=14_000, help="sample size, used when the database is empty")
    parser.add_argument("--csv-runs", type=int, default=3)
    args = parser.parse_args()

    settings = bench_settings()
    stores = prepare_database(settings, args.stores)
    held_id, polls = asyncio.run(hold_running_report(settings))
    headers = asyncio.run(bench_key(settings))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    server_log = RESULTS_DIR / "bench_api_server.log"
    log(f"starting the server on {url} (log: {server_log})")
    load_before = os.getloadavg()[0]
    server = start_server(settings, port, server_log)
    try:
        measured = uvloop.run(measure(url, server, held_id, args, headers))
    finally:
        server.terminate()
        server.wait(60)
    result = {"benchmark": "bench_api", "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": platform.node(), "cpus": os.cpu_count(),
              "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]},
              "stores": stores, "polls": polls, "clients": args.clients, **measured}
    print_table(result)
    out = RESULTS_DIR / f"bench_api_{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nJSON: {out.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
