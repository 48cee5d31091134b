"""Report benchmark: time from job start to all rows stored, median of several runs, printed as a table.

    .venv/bin/python -m bench.bench_report [--scale 1] [--history-days 8] [--runs 5] [--shards 1 2 4]
                                           [--baseline] [--stale] [--feed] [--days-outages]

Uses its own database on the embedded cluster (`storepulse_bench_report`, or `..._x10`, `..._d63`), loaded once with
the sample (default size x scale, `--history-days` of polls) through the loader (which also keeps the status change
summary) and vacuumed. Each run inserts a report row and calls app.report.engine.run_report, as a worker does, then
deletes it and vacuums the report tables (untimed). The kinds asked for run in rounds, each once per round, after one
warm-up run of each.
--stale also times reports that find the whole summary stale (as after a load from outside that may have written
every day: each such run first summarizes every chunk again); --feed reports right after an outside INSERT of the
last hour's polls (copies of them, which change no figure); --days-outages a report asked for days over the last 7
local dates, whose shards also compute its outages (rules 11, 12), next to the plain one; --baseline the
straightforward multirange query (bench/baseline_multirange.sql), as a yardstick of the machine's speed in the same
sitting.
Writes bench/results/report_<name>.json.
"""

import argparse
import asyncio
import statistics
import time
from datetime import timedelta

import asyncpg

from app.config import PROJECT_ROOT, get_settings
from app.db.connect import create_pool, ensure_database
from app.db.migrate import migrate
from app.db.models import Report
from app.db.setup import ensure_started
from app.ingest import ingest
from app.report.engine import newest_poll, run_report
from app.report.outages import ensure_outages
from app.report.parameters import DayRange, ReportParameters
from app.sample import generate_sample
from bench.common import machine, table, write_results

MODES = {
    "plain": "report (report_rows_v4)",
    "stale": "report, every day summarized first",
    "feed": "report, after an outside hour of polls",
    "days_outages": "report with 7 days and its outages",
}


def dataset_name(scale: int, history_days: int) -> str:
    return "".join(["default" if scale == 1 else f"x{scale}", "" if history_days == 8 else f"_d{history_days}"])


async def prepare(scale: int, history_days: int):
    name = dataset_name(scale, history_days)
    settings = get_settings().model_copy(update={"pg_database": f"storepulse_bench_report_{name}"})
    await ensure_database(settings)
    conn = await asyncpg.connect(settings.dsn())
    try:
        await migrate(conn)
        if not await conn.fetchval("select exists (select 1 from store_status)"):
            sample = PROJECT_ROOT / ".data" / "sample" / name
            if not (sample / "store_status.csv").exists():
                print(generate_sample(sample, stores=14_000 * scale, days=history_days))
            print((await ingest(settings, sample)).table())
            await conn.execute("vacuum analyze")
        polls = await conn.fetchval("select count(*) from store_status")
        stores = await conn.fetchval("select count(*) from polled_store")
    finally:
        await conn.close()
    return settings, polls, stores


async def time_report(pool: asyncpg.Pool, shards: int, mode: str = "plain") -> tuple[float, int]:
    async with pool.acquire() as conn:
        if mode == "stale":  # a DELETE, even of nothing, may have touched any chunk: all are summarized again
            await conn.execute("delete from store_status where false")
        elif mode == "feed":
            await conn.execute("insert into store_status select * from store_status "
                               "where timestamp_utc > (select newest_poll_v1()) - interval '1 hour'")
        as_of = await newest_poll(conn)
        assert as_of is not None, "the benchmark's database has no polls"
        days = None
        if mode == "days_outages":
            last = (as_of - timedelta(hours=12)).date()
            days = DayRange(**{"from": last - timedelta(days=6), "to": last})
        report = Report.model_validate(dict(await conn.fetchrow(
            "insert into report (as_of, status, parameters) values ($1, 'running', $2) returning *", as_of,
            ReportParameters(days=days).stored())))
    started = time.perf_counter()
    rows = await run_report(pool, report, shards=shards)
    if mode == "days_outages":
        async with pool.acquire() as conn:  # as complete_report marks it: with the outages its shards computed
            report = Report.model_validate(dict(await conn.fetchrow(
                "update report set status = 'complete', outages_at = now() where id = $1 returning *", report.id)))
        await ensure_outages(pool, report)  # nothing left to compute: the API's first request finds them there
    elapsed = time.perf_counter() - started
    async with pool.acquire() as conn:
        await conn.execute("delete from report where id = $1", report.id)
        # So that the next run inserts into tables as a service's do between two clean-ups, not into the dead rows
        # and index entries of this one's.
        await conn.execute("vacuum report_row")
    return elapsed, rows


async def time_baseline(pool: asyncpg.Pool) -> float:
    sql = (PROJECT_ROOT / "bench" / "baseline_multirange.sql").read_text()
    async with pool.acquire() as conn:
        now = await newest_poll(conn)
        started = time.perf_counter()
        await conn.fetch(f"select sum(seconds) from ({sql.rstrip().rstrip(';')}) b", now)  # noqa: S608 -- our file
        return time.perf_counter() - started


async def main(args: argparse.Namespace, modes: list[str]) -> None:
    settings, polls, stores = await prepare(args.scale, args.history_days)
    pool = await create_pool(settings, max_size=max(args.shards) + 2)
    try:
        kinds = [(n, "plain") for n in args.shards] + [(2, m) for m in modes]
        for shards, mode in kinds:
            await time_report(pool, shards, mode)  # warm-up: caches, plans
        # Round by round, each kind once per round: the machine's speed drifts, and every kind sees the same drift.
        times: dict[tuple[int, str], list[float]] = {kind: [] for kind in kinds}
        rows: dict[tuple[int, str], int] = {}
        for _ in range(args.runs):
            for shards, mode in kinds:
                elapsed, rows[shards, mode] = await time_report(pool, shards, mode)
                times[shards, mode].append(elapsed)
        results = [{"what": MODES[mode], "shards": shards, "runs_s": times[shards, mode],
                    "median_s": statistics.median(times[shards, mode]), "rows": rows[shards, mode]}
                   for shards, mode in kinds]
        base = statistics.median([await time_baseline(pool) for _ in range(args.runs)]) if args.baseline else None
    finally:
        await pool.close()

    name = dataset_name(args.scale, args.history_days)
    print(f"\nreport benchmark: {stores:,} stores, {polls:,} polls ({args.history_days} days, sample {name}); "
          f"{machine()}")
    lines = [[r["what"], r["shards"], r["median_s"], " ".join(f"{t:.2f}" for t in r["runs_s"]),
              round(r["rows"] / r["median_s"])] for r in results]
    if base is not None:
        lines.append(["multirange baseline (one query), the yardstick", 1, base, "", round(stores / base)])
    print(table(["what", "shards", "median s", "runs (s)", "stores/s"], lines))
    path = write_results(f"report_{name}", {"machine": machine(), "stores": stores, "polls": polls,
                                            "history_days": args.history_days, "results": results,
                                            "baseline_median_s": base})
    print(f"written {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="sample size as a multiple of the default")
    parser.add_argument("--history-days", type=int, default=8, help="days of polls in the sample")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shards", type=int, nargs="+", default=[2])
    parser.add_argument("--baseline", action="store_true", help="also time the multirange formulation")
    parser.add_argument("--stale", action="store_true", help="also time reports that summarize every chunk first")
    parser.add_argument("--feed", action="store_true", help="also time reports after an outside hour of polls")
    parser.add_argument("--days-outages", action="store_true", help="also time a report with days and outages")
    arguments = parser.parse_args()
    ensure_started(get_settings())  # the embedded cluster, before the event loop: it runs its own
    chosen = [m for m, wanted in [("stale", arguments.stale), ("feed", arguments.feed),
                                  ("days_outages", arguments.days_outages)] if wanted]
    asyncio.run(main(arguments, chosen))
