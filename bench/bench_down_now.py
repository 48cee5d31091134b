"""Down-now benchmark: the web page's "Down now" panel (stores in business hours whose newest poll is inactive) at
10x the default sample, its query alone and the HTTP fragment the page polls, medians of several runs.

    .venv/bin/python -m bench.bench_down_now [--scale 10] [--runs 7] [--tenant-stores 14000]

Uses its own database on the embedded cluster (`storepulse_bench_down_now_x10`), loaded once with the sample
generator's files for 14,000 x scale stores and one day of polls (`--days 1`: the panel reads the registry of
polled stores, their hours, special hours and time zones, never the polls, so a week of polls would change
nothing it reads) through the project's loader, which also fills the registry; then vacuumed.

Times, as of the newest poll (ALERT_CLOCK=data, as the data is from the past):
- the panel's query (web_down_now in sql/queries/web.sql) for an admin (every store) and for a tenant of
  `--tenant-stores` stores;
- GET /live, the HTML fragment the page polls (the panel, open incidents and failed deliveries), from
  `python -m app serve` started on the database, signed in with an admin key;
- the panel's query right after its cache of business hours was emptied (as after a reload of every store's
  hours), 3 runs;
- the yardstick, in the same sitting: a sequential count of store_hours (every store's weekly rows), a plain scan
  whose speed follows the machine's.
Prints a table and writes bench/results/down_now_<name>.json.
"""

import argparse
import asyncio
import statistics
import time
from typing import Any

import aiohttp
import asyncpg

from app.access import admin
from app.config import PROJECT_ROOT, Settings, get_settings
from app.db.connect import create_pool
from app.db.models import ApiRole
from app.db.queries import queries
from app.db.setup import ensure_started, migrate_database
from app.errors import KeyNotFound, TenantNotFound
from app.ingest import ingest
from app.sample import generate_sample
from bench.common import free_port, machine, start_server, table, wait_until_up, write_results

BENCH_KEY = "bench-down-now"
BENCH_TENANT = "bench-down-now"
SHOWN = 50  # rows the panel shows (app/web/data.py: DOWN_NOW_SHOWN)
YARDSTICK = "select count(*) from store_hours"


async def prepare(settings: Settings, scale: int, tenant_stores: int) -> dict:
    """The sample loaded once; a tenant of the first `tenant_stores` polled stores; the sizes."""
    await migrate_database(settings)
    conn = await asyncpg.connect(settings.dsn())
    try:
        if not await conn.fetchval("select exists (select 1 from polled_store)"):
            folder = PROJECT_ROOT / ".data" / "sample" / f"x{scale}_d1"
            if not (folder / "store_status.csv").exists():
                print(generate_sample(folder, stores=14_000 * scale, days=1))
            print((await ingest(settings, folder, progress=False, rejects=folder / "rejects.csv")).table())
            await conn.execute("vacuum analyze")
        return dict(await conn.fetchrow(
            "select (select count(*) from polled_store) as stores, "
            "(select count(*) from polled_store where status = 'inactive') as inactive, "
            "(select count(*) from store_hours) as hour_rows, (select count(*) from special_hours) as special_rows"))
    finally:
        await conn.close()


async def make_caller_keys(settings: Settings, tenant_stores: int) -> tuple[str, str]:
    """Fresh keys (the previous run's revoked): an admin's, and a read key of a tenant of `tenant_stores` stores."""
    pool = await create_pool(settings, min_size=1, max_size=2)
    try:
        for name in (BENCH_KEY, f"{BENCH_KEY}-tenant"):
            try:
                await admin.revoke_key(pool, name)
            except KeyNotFound:
                pass
        try:
            await admin.remove_tenant(pool, BENCH_TENANT)
        except TenantNotFound:
            pass
        stores = [r["store_id"] for r in await pool.fetch(
            "select store_id from polled_store order by store_id limit $1", tenant_stores)]
        await admin.add_tenant(pool, BENCH_TENANT, stores)
        admin_key = (await admin.create_key(pool, BENCH_KEY, ApiRole.admin, None)).token
        tenant_key = (await admin.create_key(pool, f"{BENCH_KEY}-tenant", ApiRole.read, BENCH_TENANT)).token
        return admin_key, tenant_key
    finally:
        await pool.close()


async def time_query(pool: asyncpg.Pool, sql: str, args: tuple, runs: int) -> tuple[list[float], int]:
    times, rows = [], 0
    async with pool.acquire() as conn:
        await conn.fetch(sql, *args)  # warm-up: plan, caches
        for _ in range(runs):
            started = time.perf_counter()
            rows = len(await conn.fetch(sql, *args))
            times.append(time.perf_counter() - started)
    return times, rows


async def time_cold(pool: asyncpg.Pool, now, runs: int) -> list[float]:
    """The panel's query right after its cache of business hours was emptied (as after a reload of every store's
    hours): it computes and keeps the hours of every store whose newest poll is inactive."""
    times = []
    async with pool.acquire() as conn:
        for _ in range(runs):
            await conn.execute("delete from business_hours_cache")
            started = time.perf_counter()
            await conn.fetch(queries["web_down_now"], now, True, None, SHOWN)
            times.append(time.perf_counter() - started)
    return times


async def time_fragment(settings: Settings, key: str, runs: int) -> list[float]:
    """GET /live from a served process, signed in with `key` (the page's session cookie)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = PROJECT_ROOT / ".data" / "bench-down-now-server.log"
    # No embedded worker: its alert timer reads the newest poll from the polls at start-up, which would compete with
    # the requests timed here. The fragment needs no worker.
    server = start_server(settings, port, log, ALERT_CLOCK="data", EMBEDDED_WORKER="false")
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:  # an IP address
            await wait_until_up(session, url, server, "/healthz")
            async with session.post(f"{url}/signin", data={"key": key, "next": "/"}, allow_redirects=False) as r:
                assert r.status == 303, f"sign-in answered {r.status}"
            times = []
            for i in range(runs + 1):
                started = time.perf_counter()
                async with session.get(f"{url}/live") as response:
                    body = await response.read()
                    assert response.status == 200, f"/live answered {response.status}: {body[:200]!r}"
                if i:  # the first is the warm-up
                    times.append(time.perf_counter() - started)
            return times
    finally:
        server.terminate()
        server.wait(30)


async def main(args: argparse.Namespace) -> None:
    name = f"x{args.scale}"
    settings = get_settings().model_copy(update={"pg_database": f"storepulse_bench_down_now_{name}"})
    sizes = await prepare(settings, args.scale, args.tenant_stores)
    admin_key, _ = await make_caller_keys(settings, args.tenant_stores)
    pool = await create_pool(settings, min_size=1, max_size=2)
    try:
        now = await pool.fetchval(queries["web_clock"], "data")
        tenant_id = await pool.fetchval("select id from tenant where name = $1", BENCH_TENANT)
        admin_times, admin_rows = await time_query(pool, queries["web_down_now"], (now, True, None, SHOWN),
                                                   args.runs)
        tenant_times, tenant_rows = await time_query(pool, queries["web_down_now"], (now, False, tenant_id, SHOWN),
                                                     args.runs)
        down = await pool.fetchval("select count(*) from stores_down_now_v1($1)", now)
        cold_times = await time_cold(pool, now, 3)
        yard_times, _ = await time_query(pool, YARDSTICK, (), args.runs)
    finally:
        await pool.close()
    fragment_times = await time_fragment(settings, admin_key, args.runs)

    results: list[dict[str, Any]] = [
        {"what": "panel query, admin (every store)", "runs_s": admin_times, "rows": admin_rows},
        {"what": f"panel query, a tenant of {args.tenant_stores:,} stores", "runs_s": tenant_times,
         "rows": tenant_rows},
        {"what": "GET /live (the fragment the page polls), admin", "runs_s": fragment_times, "rows": None},
        {"what": "panel query, admin, its cache of hours emptied first", "runs_s": cold_times, "rows": down},
        {"what": f"yardstick: {YARDSTICK}", "runs_s": yard_times, "rows": sizes["hour_rows"]},
    ]
    for r in results:
        r["median_ms"] = 1000 * statistics.median(r["runs_s"])
    print(f"\ndown-now benchmark: {sizes['stores']:,} polled stores ({sizes['inactive']:,} with an inactive newest "
          f"poll, {down:,} of them in business hours at {now:%Y-%m-%d %H:%M} UTC), {sizes['hour_rows']:,} weekly "
          f"hour rows, {sizes['special_rows']:,} special hour rows; {machine()}")
    print(table(["what", "median ms", "runs (ms)"],
                [[r["what"], r["median_ms"], " ".join(f"{1000 * t:.1f}" for t in r["runs_s"])] for r in results]))
    path = write_results(f"down_now_{name}", {"machine": machine(), **sizes, "down_now": down, "now": now,
                                              "results": results})
    print(f"written {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10, help="sample size as a multiple of the default")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tenant-stores", type=int, default=14_000, help="stores of the tenant timed")
    arguments = parser.parse_args()
    ensure_started(get_settings())  # the embedded cluster, before the event loop: it runs its own
    asyncio.run(main(arguments))
