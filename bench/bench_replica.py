"""Replica benchmark: 4 full reports of the default sample at once, computed on the primary alone and with their
shards on one streaming replica of it on the same machine, medians of several runs; and one report alone on the
primary, the yardstick of the sitting (the modes alternate, run by run, so drift in the machine's speed hits all
alike).

    .venv/bin/python -m bench.bench_replica [--runs 5] [--reports 4]

Uses bench_report's database on the embedded cluster (loaded once with the default sample) and the local replica
(`python -m app db replica start`; started here when it is not running, and left as it was found). Each run
enqueues the reports and runs them concurrently with app.report.engine.run_report, as 4 worker slots would, 2
shards each: the wall time until all are stored, each report's own time, and the CPU seconds the primary's and the
replica's server processes used meanwhile (from /proc: that is where the work went). Prints a table and writes
bench/results/replica.json.

One machine and two cores: the replica's server competes with the primary's for the same cores, so the wall time
shows what the replica path costs (waiting for replay, the rows' trip through the worker), not what a replica on
its own machine would gain. The CPU columns show the gain such a replica would bring: the share of the reports'
work that left the primary.
"""

import argparse
import asyncio
import os
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from app.config import PROJECT_ROOT, Settings, get_settings
from app.db.connect import create_pool
from app.db.queries import queries
from app.db.replica import LocalReplica
from app.db.setup import up
from app.jobs.manager import ReportManager
from app.report.engine import newest_poll, run_report
from app.report.replicas import ReplicaSet
from bench.bench_report import prepare
from bench.common import machine, table, write_results

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(data_dir: Path) -> float:
    """CPU time of a PostgreSQL server so far: its postmaster (with the children it reaped) and its live children."""
    postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif ppid == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


@dataclass
class Run:
    wall: float
    per_report: list[float]
    primary_cpu: float
    replica_cpu: float
    rows: int
    places: set[str]


async def one_run(pool: asyncpg.Pool, manager: ReportManager, replicas: ReplicaSet | None, reports: int,
                  shards: int, primary_dir: Path, replica_dir: Path) -> Run:
    async with pool.acquire() as conn:
        as_of = await newest_poll(conn)
    assert as_of is not None, "the bench database holds no polls"
    queued = [await manager.enqueue(as_of) for _ in range(reports)]
    on_replicas = {"replicas": replicas} if replicas is not None else {}

    async def timed(report) -> tuple[float, int]:
        started = time.perf_counter()
        rows = await run_report(pool, report, shards=shards, **on_replicas)
        return time.perf_counter() - started, rows

    cpu_before = server_cpu_seconds(primary_dir), server_cpu_seconds(replica_dir)
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(timed(r) for r in queued))
    wall = time.perf_counter() - started
    cpu_after = server_cpu_seconds(primary_dir), server_cpu_seconds(replica_dir)
    places = set()
    for report in queued:
        async with pool.acquire() as conn:
            places |= {s["computed_on"] for s in await conn.fetch(queries["report_shards"], report.id)}
        if (await manager.cancel(report.id)) is not None:  # its rows are deleted: the next run starts as this one
            await manager.discard_cancelled_rows(report.id)
    return Run(wall, [t for t, _ in outcomes], cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1],
               sum(rows for _, rows in outcomes), places)


async def main(runs: int, reports: int) -> None:
    settings, polls, stores = await prepare(1, 8)  # the default sample: 14,000 stores, 8 days
    replica = LocalReplica.from_settings(settings)
    shards = settings.report_shards
    bench = settings.model_copy(update={"replica_urls": replica.dsn(settings.pg_database),
                                        "worker_concurrency": reports})
    pool = await create_pool(bench, max_size=reports * shards + 2)
    replicas = ReplicaSet.from_settings(bench)
    assert replicas is not None
    manager = ReportManager(pool)
    modes = [("1 report, primary alone (yardstick)", None, 1), (f"{reports} reports, primary alone", None, reports),
             (f"{reports} reports, shards on the replica", replicas, reports)]
    results: dict[str, list[Run]] = {mode: [] for mode, _, _ in modes}
    try:
        for _, on, count in modes:  # warm-up: caches, plans, the replica's pool
            await one_run(pool, manager, on, count, shards, settings.data_dir, replica.server.data_dir)
        for i in range(runs):
            for mode, on, count in modes:
                run = await one_run(pool, manager, on, count, shards, settings.data_dir, replica.server.data_dir)
                results[mode].append(run)
                print(f"run {i + 1}/{runs} {mode}: {run.wall:.2f} s, primary CPU {run.primary_cpu:.1f} s, "
                      f"replica CPU {run.replica_cpu:.1f} s", flush=True)
    finally:
        await replicas.close()
        await pool.close()

    host = machine()
    print(f"\nreplica benchmark — {reports} concurrent full reports ({shards} shards each) of {stores:,} stores, "
          f"{polls:,} polls; one replica on the same machine; {host['cores']} cores, {host['ram_gib']:.0f} GiB, "
          f"load average {host['load_average_1m']} at the end")
    rows = []
    for mode, done in results.items():
        rows.append([mode, statistics.median(r.wall for r in done), " ".join(f"{r.wall:.2f}" for r in done),
                     statistics.median(t for r in done for t in r.per_report),
                     statistics.median(r.primary_cpu for r in done), statistics.median(r.replica_cpu for r in done),
                     ", ".join(sorted({"primary" if p == "primary" else "replica" for r in done for p in r.places}))])
    print(table(["reports at once, shards computed", "wall s (median)", "runs (s)", "one report s (median)",
                 "primary CPU s", "replica CPU s", "where"], rows))
    print("(one machine: both servers share its cores; the CPU columns say how much work left the primary)")
    path = write_results("replica", {
        "machine": host, "stores": stores, "polls": polls, "reports": reports, "shards": shards,
        "runs": {mode: [r.__dict__ | {"places": sorted(r.places)} for r in done]
                 for mode, done in results.items()},
        "median_wall_seconds": {mode: statistics.median(r.wall for r in done) for mode, done in results.items()},
    })
    print(f"written {path.relative_to(PROJECT_ROOT)}")


def start_replica(settings: Settings) -> bool:
    """The local replica running (made when needed); True when it was started here."""
    replica = LocalReplica.from_settings(settings)
    if replica.server.running():
        return False
    replica.start()
    return True


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reports", type=int, default=4)
    args = parser.parse_args()
    settings = get_settings()
    up(settings, say=lambda _: None)  # the embedded cluster, before the event loop
    started_here = start_replica(settings)
    try:
        asyncio.run(main(args.runs, args.reports))
    finally:
        if started_here:
            LocalReplica.from_settings(settings).stop()
