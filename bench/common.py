"""What the benchmarks share: a description of the machine, a plain text table, and the JSON results file."""

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from app.config import PROJECT_ROOT

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"


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
