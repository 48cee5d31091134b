"""`make bench`: every benchmark at its default size, one after the other (they share the machine's two cores, so
never at once): ingest, the report (with the multirange baseline and a stale-summary run), the API. Each prints
its table and writes JSON to bench/results/. The 10x report is left out (about 20 minutes with its first load):
`.venv/bin/python -m bench.bench_report --scale 10`."""

import subprocess
import sys

from app.config import PROJECT_ROOT

BENCHMARKS = [
    ["bench.bench_ingest"],
    ["bench.bench_report", "--baseline", "--stale", "--shards", "1", "2", "4", "--runs", "5"],
    ["bench.bench_api"],
]


def main() -> int:
    failed = []
    for module, *args in BENCHMARKS:
        print(f"\n=== {module} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, "-m", module, *args], cwd=PROJECT_ROOT).returncode != 0:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
