"""Live intake benchmark: an hour of polls for every store of the default sample (14,000 rows) posted to
`POST /polls` of a running service, hour after hour; the report right after each post next to the steady report;
and the same posts with an alert rule in force, with the time from the post whose poll crosses the rule's
min_minutes to the webhook arriving at a local receiver.

    .venv/bin/python -m bench.bench_intake [--hours 6] [--runs 3]

Uses its own database (`storepulse_bench_intake`), loaded once with the default sample; every run appends new
hours after the newest poll (so the data grows by an hour per post, and now and then a post begins a new day: the
max column shows what such a post costs). The service runs with ALERT_CLOCK=data (the newest poll is `now`, so past
data replays hour by hour) and WEBHOOK_ALLOW_LOOPBACK=true (the receiver is local).
Prints a table and writes bench/results/intake.json.
"""

import argparse
import asyncio
import random
import statistics
import time
from datetime import datetime, timedelta

import aiohttp
import asyncpg
from aiohttp import web

from app.config import PROJECT_ROOT, Settings, get_settings
from app.db.connect import create_pool
from app.db.models import Report
from app.db.setup import up
from app.ingest import ingest
from app.report.engine import newest_poll, run_report
from app.sample import generate_sample
from bench.common import bench_key, free_port, machine, start_server, table, wait_until_up, write_results

DATABASE = "storepulse_bench_intake"
DOWN_PER_HOUR = 300  # stores that go down in each posted hour, for the alert latency


def bench_settings() -> Settings:
    return get_settings().model_copy(update={"pg_database": DATABASE})


async def prepare(settings: Settings) -> list[str]:
    conn = await asyncpg.connect(settings.dsn())
    try:
        empty = not await conn.fetchval("select exists (select 1 from store_status)")
    finally:
        await conn.close()
    if empty:
        sample = PROJECT_ROOT / ".data" / "sample" / "default"
        if not (sample / "store_status.csv").exists():
            print(generate_sample(sample))
        print((await ingest(settings, sample, progress=False)).table())
    conn = await asyncpg.connect(settings.dsn())
    try:
        await conn.execute("vacuum analyze")
        await conn.execute("truncate alert_rule cascade")
        return [r["store_id"] for r in await conn.fetch("select store_id from polled_store order by store_id")]
    finally:
        await conn.close()


async def time_report(pool: asyncpg.Pool) -> float:
    async with pool.acquire() as conn:
        report = Report.model_validate(dict(await conn.fetchrow(
            "insert into report (as_of, status) values ($1, 'running') returning *", await newest_poll(conn))))
    started = time.perf_counter()
    await run_report(pool, report, shards=2)
    elapsed = time.perf_counter() - started
    async with pool.acquire() as conn:
        await conn.execute("delete from report where id = $1", report.id)
    return elapsed


def hour_of_polls(stores: list[str], start: datetime, down: set[str]) -> bytes:
    rng = random.Random(start.timestamp())
    lines = ["store_id,status,timestamp_utc"]
    for store in stores:
        at = start + timedelta(seconds=rng.uniform(0, 3599))
        lines.append(f"{store},{'inactive' if store in down else 'active'},{at:%Y-%m-%d %H:%M:%S.%f} UTC")
    return ("\n".join(lines) + "\n").encode()


class Receiver:
    """Counts webhook arrivals (time.monotonic()) by event."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[str, float]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.arrivals.append((body["event"], time.monotonic()))
        return web.Response()


async def post_hours(session: aiohttp.ClientSession, url: str, stores: list[str], pool: asyncpg.Pool, hours: int,
                     down_each_hour: int, receiver: Receiver | None) -> tuple[list[float], list[float], list[float]]:
    """Posts `hours` hours; returns the post times, the report times right after, and alert latencies."""
    posts, reports, latencies = [], [], []
    rng = random.Random(7)
    down: set[str] = set()
    for _ in range(hours):
        async with pool.acquire() as conn:
            newest = await newest_poll(conn)
        assert newest is not None
        start = newest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        # Last hour's down stores come back up; new ones go down (their incidents open an hour later).
        body = hour_of_polls(stores, start, down)
        down = set(rng.sample(stores, down_each_hour)) if down_each_hour else set()
        async with pool.acquire() as conn:
            events_before = await conn.fetchval("select count(*) from webhook_event")
        arrived_before = len(receiver.arrivals) if receiver else 0
        started = time.monotonic()
        async with session.post(f"{url}/polls", data=body, headers={"content-type": "text/csv"}) as response:
            result = await response.json()
            assert response.status == 200 and result["stored"] == len(stores), result
        posts.append(time.monotonic() - started)
        if receiver is not None:
            async with pool.acquire() as conn:
                new_events = await conn.fetchval("select count(*) from webhook_event") - events_before
            deadline = time.monotonic() + 60
            while len(receiver.arrivals) < arrived_before + new_events:
                assert time.monotonic() < deadline, "webhooks did not arrive within 60 s"
                await asyncio.sleep(0.01)
            latencies += [at - started for e, at in receiver.arrivals[arrived_before:] if e == "incident.opened"]
        reports.append(await time_report(pool))
    return posts, reports, latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def main(hours: int, runs: int) -> None:
    settings = bench_settings()
    stores = await prepare(settings)
    pool = await create_pool(settings, max_size=4)
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    hook_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", hook_port).start()
    port = free_port()
    log_path = PROJECT_ROOT / "bench" / "results" / "intake-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    server = start_server(settings, port, log_path, ALERT_CLOCK="data", WEBHOOK_ALLOW_LOOPBACK="true")
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(headers=await bench_key(settings)) as session:
            await wait_until_up(session, url, server)
            steady = [await time_report(pool) for _ in range(runs)]
            plain_posts, plain_reports, _ = await post_hours(session, url, stores, pool, hours, 0, None)
            async with pool.acquire() as conn:
                await conn.execute("insert into alert_rule (name, min_minutes, webhook_url, secret) "
                                   "values ('bench', 30, $1, 'bench-secret')",
                                   f"http://127.0.0.1:{hook_port}/hook")
            alert_posts, _, latencies = await post_hours(session, url, stores, pool, hours, DOWN_PER_HOUR, receiver)
    finally:
        server.terminate()
        server.wait(30)
        await runner.cleanup()
        await pool.close()

    rows = [
        ["steady report (before the posts)", len(steady), statistics.median(steady), max(steady)],
        [f"POST /polls, {len(stores):,} rows (an hour of every store)", hours, statistics.median(plain_posts),
         max(plain_posts)],
        ["report right after each post", hours, statistics.median(plain_reports), max(plain_reports)],
        [f"POST /polls with an alert rule ({DOWN_PER_HOUR} stores down per hour)", hours,
         statistics.median(alert_posts), max(alert_posts)],
    ]
    print(f"\nlive intake benchmark: {len(stores):,} stores; {machine()}")
    print(table(["what", "runs", "median s", "max s"], rows))
    print(f"report after a post / steady report: {statistics.median(plain_reports) / statistics.median(steady):.2f}")
    print(f"alert evaluation added to the intake: "
          f"{100 * (statistics.median(alert_posts) / statistics.median(plain_posts) - 1):+.0f} %")
    if latencies:
        print(f"poll crossing min_minutes -> webhook arrived: p50 {1000 * percentile(latencies, 0.5):.0f} ms, "
              f"p99 {1000 * percentile(latencies, 0.99):.0f} ms ({len(latencies)} webhooks)")
    write_results("intake", {"machine": machine(), "stores": len(stores), "steady_report_s": steady,
                             "posts_s": plain_posts, "reports_after_post_s": plain_reports,
                             "posts_with_alerts_s": alert_posts, "alert_latencies_s": latencies})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=int, default=6, help="hours of polls posted, each way")
    parser.add_argument("--runs", type=int, default=3, help="steady reports timed")
    arguments = parser.parse_args()
    up(bench_settings(), say=lambda *_: None)
    asyncio.run(main(arguments.hours, arguments.runs))
