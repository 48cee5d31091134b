"""`python -m app ingest`: loads the three CSV files. Per file: parallel COPY of byte ranges into each
connection's raw_lines, validation and conversion in SQL into staging.*, then one transaction that moves the
good rows into the real table. A load is all-or-nothing per file, and loading the same data twice adds nothing."""

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from tqdm import tqdm

from app.config import Settings
from app.db.connect import connect
from app.db.queries import queries
from app.errors import IngestError
from app.ingest.parallel_copy import copy_range, default_workers, split_ranges
from app.ingest.sources import HOURS, KINDS, STATUS, TIMEZONES, FileKind, Header, find_sources, read_header

_LOCK_KEY = 0x5709E_0002  # one load at a time: the staging tables are shared


@dataclass
class FileResult:
    kind: str
    path: Path
    read: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    files: list[FileResult]
    rejects_path: Path | None

    @property
    def ok(self) -> bool:
        return all(f.error is None for f in self.files)

    def table(self) -> str:
        lines = [f"{'file':<28} {'read':>10} {'loaded':>10} {'duplicates':>10} {'rejected':>9} {'seconds':>8}"]
        for f in self.files:
            if f.error:
                lines.append(f"{f.path.name:<28} FAILED: {f.error}")
            else:
                lines.append(f"{f.path.name:<28} {f.read:>10,} {f.loaded:>10,} {f.duplicates:>10,} "
                             f"{f.rejected:>9,} {f.seconds:>8.2f}")
            lines.extend(f"  warning: {w}" for w in f.warnings)
        if self.rejects_path:
            lines.append(f"rejected rows (line and reason): {self.rejects_path}")
        return "\n".join(lines)


# Positions of the kind's columns in the order its stage query takes them.
_STAGE_QUERY = {STATUS.name: "stage_status_lines", HOURS.name: "stage_hours_lines",
                TIMEZONES.name: "stage_timezone_lines"}


async def _stage_file(pool: asyncpg.Pool, path: Path, kind: FileKind, header: Header, workers: int,
                      progress: bool) -> tuple[int, int]:
    """Parallel COPY, then validation into staging. Returns (rows staged, rows rejected)."""
    ranges = split_ranges(path, header.data_offset, workers)
    bar = tqdm(total=path.stat().st_size - header.data_offset, unit="B", unit_scale=True, desc=path.name,
               disable=not progress, leave=False)
    conns = [await pool.acquire() for _ in ranges]
    try:
        line_counts = await asyncio.gather(*(copy_range(c, path, r, bar.update) for c, r in zip(conns, ranges)))
        bar.close()
        offsets, first_line = [], 1  # line 1 is the header
        for count in line_counts:
            offsets.append(first_line)
            first_line += count
        positions = [header.positions[c] for c in kind.columns]
        results = await asyncio.gather(*(
            c.fetchrow(queries[_STAGE_QUERY[kind.name]], offset, *positions, header.column_count, path.name)
            for c, offset in zip(conns, offsets)
        ))
    finally:
        for c in conns:
            await pool.release(c)
    return sum(r["staged"] for r in results), sum(r["rejected"] for r in results)


async def _move(conn: asyncpg.Connection, kind: FileKind, result: FileResult, staged: int) -> None:
    async with conn.transaction():
        if kind is STATUS:
            result.loaded = await conn.fetchval(queries["move_polls"])
        elif kind is HOURS:
            result.loaded = (await conn.fetchrow(queries["move_hours"]))["inserted"]
        else:
            result.loaded = await conn.fetchval(queries["move_timezones"])
            result.warnings = [
                f"unknown timezone {r['timezone_str']!r} for {r['stores']} store(s) (e.g. {r['example_store']}): "
                "reports use America/Chicago"
                for r in await conn.fetch(queries["unknown_timezones"])
            ]
    result.duplicates = staged - result.loaded
    if kind is STATUS and result.loaded:
        await conn.execute("analyze store_status")


async def ingest(settings: Settings, source: Path | None = None, *, status: Path | None = None,
                 hours: Path | None = None, timezones: Path | None = None, workers: int | None = None,
                 rejects: Path | None = None, progress: bool | None = None) -> IngestResult:
    workers = workers or default_workers()
    progress = sys.stderr.isatty() if progress is None else progress
    with tempfile.TemporaryDirectory(prefix="storepulse-ingest-") as unpack:
        paths = find_sources(source, {"status": status, "hours": hours, "timezones": timezones}, Path(unpack))
        conn = await connect(settings)
        pool = await asyncpg.create_pool(settings.dsn(), min_size=1, max_size=workers,
                                         server_settings={"timezone": "UTC"})
        try:
            if not await conn.fetchval("select pg_try_advisory_lock($1)", _LOCK_KEY):
                raise IngestError("another load is running on this database; try again when it has finished")
            await conn.execute(queries["clear_staging"])
            results = [await _load_file(conn, pool, paths[k.name], k, workers, progress)
                       for k in KINDS if k.name in paths]
            rejects_path = None
            if any(r.rejected for r in results):
                rejects_path = (rejects or Path("ingest_rejects.csv")).resolve()
                await conn.copy_from_query(queries["rejects_csv"], output=str(rejects_path), format="csv",
                                           header=True)
            await conn.execute(queries["clear_staging"])
            return IngestResult(results, rejects_path)
        finally:
            await pool.close()
            await conn.close()


async def _load_file(conn: asyncpg.Connection, pool: asyncpg.Pool, path: Path, kind: FileKind, workers: int,
                     progress: bool) -> FileResult:
    result = FileResult(kind.name, path)
    started = time.perf_counter()
    try:
        header = read_header(path, kind)
        staged, result.rejected = await _stage_file(pool, path, kind, header, workers if kind is STATUS else 1,
                                                    progress)
        result.read = staged + result.rejected
        await _move(conn, kind, result, staged)
    except IngestError as exc:
        result.error = str(exc).removeprefix(f"{path}: ")
    finally:
        await conn.execute(queries["clear_staged_rows"])
    result.seconds = time.perf_counter() - started
    return result
