"""Report benchmark: time from job start to all rows stored, by shard count, median of several runs.

    .venv/bin/python -m bench.bench_report [--scale 1] [--runs 3] [--shards 1 2 4] [--baseline] [--stale] [--feed]

Uses its own database on the embedded cluster (`storepulse_bench_report` or `..._x10`), loaded once with the
sample (default size × scale) through the loader (which also makes the status change summary) and vacuumed. Each
run inserts a report row and calls app.report.engine.run_report, as a worker does. --stale also times reports
that find the whole summary stale, as after a load from outside (timescaledb-parallel-copy) that wrote every day:
each such run first summarizes every chunk again. --feed also times reports right after an outside INSERT of the
last hour's polls (copies of them, which change no figure): the newest day is summarized again, the others are
confirmed by a count. --baseline also times the straightforward formulation
(bench/baseline_multirange.sql) in the same run, for calibration. Prints a table, writes bench/results/.
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import time
from datetime import UTC, datetime

import asyncpg

from app.config import PROJECT_ROOT, get_settings
from app.db.admin import up
from app.db.connect import ensure_database
from app.db.migrate import migrate
from app.db.models import Report
from app.ingest import ingest
from app.report.engine import newest_poll, run_report
from app.sample import generate_sample

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"


def machine() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {mem_gib:.0f} GiB"


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def prepare(scale: int):
    settings = get_settings()
    name = "storepulse_bench_report" + ("" if scale == 1 else f"_x{scale}")
    settings = settings.model_copy(update={"pg_database": name})
    await ensure_database(settings)
    conn = await asyncpg.connect(settings.dsn())
    try:
        await migrate(conn)
        if not await conn.fetchval("select exists (select 1 from store_status)"):
            sample = PROJECT_ROOT / ".data" / "sample" / ("default" if scale == 1 else f"x{scale}")
            if not (sample / "store_status.csv").exists():
                print(generate_sample(sample, stores=14_000 * scale))
            print((await ingest(settings, sample)).table())
            await conn.execute("vacuum analyze store_status")
        polls = await conn.fetchval("select count(*) from store_status")
        stores = await conn.fetchval("select count(*) from (select distinct store_id from store_status) s")
    finally:
        await conn.close()
    return settings, polls, stores


async def time_report(pool: asyncpg.Pool, shards: int, before: str | None = None) -> tuple[float, int]:
    async with pool.acquire() as conn:
        if before == "stale":  # a DELETE, even of nothing, may have touched any chunk: all are summarized again
            await conn.execute("delete from store_status where false")
        elif before == "feed":
            await conn.execute("insert into store_status select * from store_status "
                               "where timestamp_utc > (select newest_poll_v1()) - interval '1 hour'")
        report = Report.model_validate(dict(await conn.fetchrow(
            "insert into report (as_of, status) values ($1, 'running') returning *", await newest_poll(conn))))
    started = time.perf_counter()
    rows = await run_report(pool, report, shards=shards)
    elapsed = time.perf_counter() - started
    async with pool.acquire() as conn:
        await conn.execute("delete from report where id = $1", report.id)
    return elapsed, rows


async def time_baseline(pool: asyncpg.Pool) -> float:
    sql = (PROJECT_ROOT / "bench" / "baseline_multirange.sql").read_text()
    async with pool.acquire() as conn:
        now = await newest_poll(conn)
        started = time.perf_counter()
        await conn.fetch(f"select sum(seconds) from ({sql.rstrip().rstrip(';')}) b", now)
        return time.perf_counter() - started


async def main(scale: int, runs: int, shard_counts: list[int], baseline: bool, extra: list[str]) -> None:
    settings, polls, stores = await prepare(scale)
    pool = await asyncpg.create_pool(settings.dsn(), min_size=1, max_size=max(shard_counts) + 2)
    results = []
    try:
        for shards, before in [(n, None) for n in shard_counts] + [(2, e) for e in extra]:
            await time_report(pool, shards)  # warm-up: caches, plans
            times, rows = [], 0
            for _ in range(runs):
                elapsed, rows = await time_report(pool, shards, before)
                times.append(elapsed)
            results.append({"shards": shards, "before": before, "runs": times,
                            "median_s": statistics.median(times), "rows": rows})
        base = None
        if baseline:
            base = statistics.median([await time_baseline(pool) for _ in range(runs)])
    finally:
        await pool.close()

    print(f"\nreport benchmark — {stores:,} stores, {polls:,} polls (sample x{scale}); {machine()}")
    print(f"{'formulation':<44} {'shards':>6} {'median s':>9} {'runs (s)':<26} {'stores/s':>10}")
    for r in results:
        runs_text = " ".join(f"{t:.2f}" for t in r["runs"])
        name = {None: "engine (report_seconds_v2)", "stale": "engine, every day summarized first",
                "feed": "engine, after an outside hour of polls"}[r["before"]]
        print(f"{name:<44} {r['shards']:>6} {r['median_s']:>9.2f} {runs_text:<26} "
              f"{r['rows'] / r['median_s']:>10,.0f}")
    if base is not None:
        best = min(r["median_s"] for r in results)
        print(f"{'multirange baseline (one query)':<44} {1:>6} {base:>9.2f} {'':<26} {stores / base:>10,.0f}")
        print(f"speed-up of the best engine run over the baseline: {base / best:.1f}x")
    print(f"python process peak RSS: {max_rss_mib():.0f} MiB (report rows never come into Python)")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"report_x{scale}.json"
    out.write_text(json.dumps({
        "at": datetime.now(UTC).isoformat(), "machine": machine(), "stores": stores, "polls": polls,
        "scale": scale, "results": results, "baseline_median_s": base, "python_peak_rss_mib": max_rss_mib(),
    }, indent=2))
    print(f"written {out.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="sample size as a multiple of the default")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--baseline", action="store_true", help="also time the multirange formulation")
    parser.add_argument("--stale", action="store_true", help="also time reports that summarize every chunk first")
    parser.add_argument("--feed", action="store_true", help="also time reports after an outside hour of polls")
    args = parser.parse_args()
    up(get_settings(), quiet=True)  # the embedded cluster, before the event loop: it runs its own
    extra = [name for name, wanted in [("stale", args.stale), ("feed", args.feed)] if wanted]
    asyncio.run(main(args.scale, args.runs, args.shards, args.baseline, extra))
