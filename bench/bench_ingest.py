"""Ingest benchmark: the default sample loaded end to end into a fresh database, median of 3 runs, next to a plain
`psql \\copy` of the same polls file measured in the same runs.

    .venv/bin/python -m bench.bench_ingest [--runs 3] [--workers N] [--stores 14000] [--days 8]

The sample is generated once and reused from .data/bench/sample-<stores>x<days>/. Each run drops and re-creates
the database `storepulse_bench_ingest` on the embedded cluster, migrates it, and times `ingest()` of the three
files: per phase of the polls file (copy = the parallel COPY into staging.poll, the line checks included; plan =
the move's parts and the chunks they need; move = dedupe and the two-phase move into store_status, each part
analyzing the chunks it wrote; summarize = the status change summary of the days written), the small files
(loaded on their own connection while the polls file loads), and the total. Then it times
`psql -c "\\copy ... from 'store_status.csv' csv header"` into an empty UNLOGGED table of the same shape (like
staging.poll) whose columns are all text: the sample has a few statuses such as ' Active ' that a typed \\copy
refuses; and, for comparison with the loader's typed COPY, into one whose timestamp_utc is a
timestamptz. Prints a table and writes bench/results/ingest.json.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import time
from pathlib import Path

import asyncpg

from app.config import PROJECT_ROOT, Settings, get_settings
from app.db.cluster import Cluster
from app.db.connect import ensure_database
from app.db.migrate import migrate
from app.ingest import ingest
from app.sample import generate_sample
from bench.common import machine, table, write_results

DATABASE = "storepulse_bench_ingest"
PSQL_TABLES = {"text": "bench_psql_copy_text", "timestamptz": "bench_psql_copy_typed"}


def sample_dir(stores: int, days: int) -> Path:
    folder = PROJECT_ROOT / ".data" / "bench" / ("sample-default" if (stores, days) == (14_000, 8)
                                                 else f"sample-{stores}x{days}")
    if not (folder / "store_status.csv").exists():
        print(generate_sample(folder, stores=stores, days=days))
    return folder


def data_description(folder: Path) -> dict:
    files = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open("rb") as f:
            rows = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b"")) - 1
        files[path.name] = {"bytes": path.stat().st_size, "rows": rows}
    return files


async def fresh_database(settings: Settings) -> None:
    admin = await asyncpg.connect(settings.dsn("postgres"))
    try:
        await admin.execute(f'drop database if exists "{DATABASE}" with (force)')
    finally:
        await admin.close()
    await ensure_database(settings)
    conn = await asyncpg.connect(settings.dsn())
    try:
        await migrate(conn)
        for timestamp_type, table in PSQL_TABLES.items():
            await conn.execute(f"create unlogged table {table} (store_id text, status text, "
                               f"timestamp_utc {timestamp_type})")
    finally:
        await conn.close()


def psql_copy_seconds(settings: Settings, table: str, status_file: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["psql", settings.dsn(), "-v", "ON_ERROR_STOP=1", "-q", "-c",
                    f"\\copy {table} from '{status_file}' csv header"], check=True,
                   env={**os.environ, "PGTZ": "UTC"})
    return time.perf_counter() - started


async def one_run(settings: Settings, folder: Path, workers: int | None) -> dict:
    await fresh_database(settings)
    started = time.perf_counter()
    result = await ingest(settings, folder, workers=workers, progress=False, rejects=folder.parent / "rejects.csv")
    total = time.perf_counter() - started
    if not result.ok:
        raise SystemExit(result.table())
    files = {f.kind: {"read": f.read, "loaded": f.loaded, "seconds": round(f.seconds, 3),
                      "phases": {k: round(v, 3) for k, v in f.phases.items()}} for f in result.files}
    psql = {kind: round(psql_copy_seconds(settings, table, folder / "store_status.csv"), 3)
            for kind, table in PSQL_TABLES.items()}
    return {"total_seconds": round(total, 3), "files": files, "psql_copy_seconds": psql}


def summarize(runs: list[dict], rows: int) -> dict:
    def median(get) -> float:
        return statistics.median(get(r) for r in runs)

    status = lambda r: r["files"]["status"]  # noqa: E731
    copy = median(lambda r: status(r)["phases"]["copy"])
    psql = median(lambda r: r["psql_copy_seconds"]["text"])
    psql_typed = median(lambda r: r["psql_copy_seconds"]["timestamptz"])
    return {
        "copy_seconds": copy,
        "plan_seconds": median(lambda r: status(r)["phases"]["plan"]),
        "move_seconds": median(lambda r: status(r)["phases"]["move"]),
        "summarize_seconds": median(lambda r: status(r)["phases"]["summarize"]),
        "status_file_seconds": median(lambda r: status(r)["seconds"]),
        "hours_and_timezones_seconds": median(lambda r: r["files"]["hours"]["seconds"]
                                              + r["files"]["timezones"]["seconds"]),
        "total_seconds": median(lambda r: r["total_seconds"]),
        "copy_rows_per_second": round(rows / copy),
        "psql_copy_seconds": psql,
        "psql_copy_rows_per_second": round(rows / psql),
        "psql_copy_typed_timestamp_seconds": psql_typed,
        "psql_copy_typed_timestamp_rows_per_second": round(rows / psql_typed),
    }


def report(data: dict, host: dict, runs: list[dict], median: dict, workers: int | None) -> str:
    size = sum(f["bytes"] for f in data.values()) / 1e6
    polls = data["store_status.csv"]["rows"]
    lines = [
        f"Ingest benchmark: {size:.0f} MB ({polls:,} polls, {data['menu_hours.csv']['rows']:,} hour rows, "
        f"{data['timezones.csv']['rows']:,} timezones); {host['cores']} cores, {host['ram_gib']:.0f} GiB RAM, "
        f"load average {host['load_average_1m']} at start; workers {workers or 'default'}",
        "",
    ]
    headers = ["run", "copy+check", "plan", "move+analyze", "summarize", "polls file", "hours+tz (alongside)",
               "total", "psql \\copy (text)"]
    rows = [[f"#{i}", r["files"]["status"]["phases"]["copy"], r["files"]["status"]["phases"]["plan"],
             r["files"]["status"]["phases"]["move"], r["files"]["status"]["phases"]["summarize"],
             r["files"]["status"]["seconds"],
             r["files"]["hours"]["seconds"] + r["files"]["timezones"]["seconds"], r["total_seconds"],
             r["psql_copy_seconds"]["text"]] for i, r in enumerate(runs, 1)]
    rows.append(["median", median["copy_seconds"], median["plan_seconds"], median["move_seconds"],
                 median["summarize_seconds"], median["status_file_seconds"], median["hours_and_timezones_seconds"],
                 median["total_seconds"], median["psql_copy_seconds"]])
    lines.append(table(headers, rows))
    lines += [
        "",
        table(["COPY of store_status.csv (median)", "seconds", "rows/s"], [
            ["ingest: parallel COPY into staging.poll, typed, with line checks", median["copy_seconds"],
             median["copy_rows_per_second"]],
            ["psql \\copy into an empty unlogged table, all columns text", median["psql_copy_seconds"],
             median["psql_copy_rows_per_second"]],
            ["psql \\copy, the same with timestamp_utc timestamptz", median["psql_copy_typed_timestamp_seconds"],
             median["psql_copy_typed_timestamp_rows_per_second"]],
        ]),
        "",
        "(psql \\copy into text columns: the sample's statuses such as ' Active ' make a typed \\copy fail.)",
    ]
    return "\n".join(lines)


async def main(runs: int, workers: int | None, stores: int, days: int) -> None:
    settings = get_settings().model_copy(update={"pg_database": DATABASE})
    if settings.embedded:
        Cluster.from_settings(settings).start()
    folder = sample_dir(stores, days)
    data = data_description(folder)
    host = machine()
    results = []
    for i in range(runs):
        results.append(await one_run(settings, folder, workers))
        print(f"run {i + 1}/{runs}: {results[-1]['total_seconds']:.2f} s", flush=True)
    median = summarize(results, data["store_status.csv"]["rows"])
    print(report(data, host, results, median, workers))
    host["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    path = write_results("ingest", {"data": data, "machine": host, "workers": workers, "runs": results,
                                    "median": median, "target_total_seconds": 15})
    print(f"\nwritten to {path.relative_to(PROJECT_ROOT)}")


def cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_ingest", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, help="COPY connections (default: the loader's own default)")
    parser.add_argument("--stores", type=int, default=14_000)
    parser.add_argument("--days", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.workers, args.stores, args.days))


if __name__ == "__main__":
    cli()
