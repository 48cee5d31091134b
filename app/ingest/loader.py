"""`python -m app ingest`: loads the three CSV files. Per file: parallel COPY of byte ranges into each
connection's landing table, validation and conversion in SQL into staging.*, then a move into the real table
that is all-or-nothing for the file. Loading the same data twice adds nothing."""

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
from app.ingest.poll_move import move_polls
from app.ingest.sources import HOURS, KINDS, STATUS, FileKind, Header, find_sources, read_header
from app.ingest.two_phase import recover_interrupted_loads

_LOCK_KEY = 0x5709E_0002  # one load at a time: the staging tables are shared
_EXTRA_COLUMNS = 16  # the landing tables' x1..x16


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
    phases: dict[str, float] = field(default_factory=dict)  # seconds per stage, for benchmarks


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


_LAND = {"status": "polls", "hours": "hours", "timezones": "timezones"}
_STAGE = {"status": "stage_polls", "hours": "stage_hours", "timezones": "stage_timezones"}


def _land_columns(kind: FileKind, header: Header) -> list[str]:
    """The landing table's columns in the file's column order."""
    if header.column_count > len(kind.columns) + _EXTRA_COLUMNS:
        raise IngestError(f"{header.column_count} columns; at most {len(kind.columns) + _EXTRA_COLUMNS} are read")
    by_position = {pos: name for name, pos in header.positions.items()}
    extras = iter(f"x{i}" for i in range(1, _EXTRA_COLUMNS + 1))
    return [by_position.get(pos) or next(extras) for pos in range(1, header.column_count + 1)]


async def _stage_file(pool: asyncpg.Pool, path: Path, kind: FileKind, header: Header, workers: int,
                      progress: bool, phases: dict[str, float]) -> tuple[int, int]:
    """Parallel COPY, then validation into staging. Returns (rows staged, rows rejected)."""
    land = _LAND[kind.name]
    columns = _land_columns(kind, header)
    ranges = split_ranges(path, header.data_offset, workers)
    bar = tqdm(total=path.stat().st_size - header.data_offset, unit="B", unit_scale=True, desc=path.name,
               disable=not progress, leave=False)
    conns = [await pool.acquire() for _ in ranges]
    started = time.perf_counter()
    try:
        for c in conns:
            await c.execute(queries[f"create_land_{land}"])
            await c.execute(queries[f"reset_land_{land}"])
        loads = await asyncio.gather(*(copy_range(c, f"land_{land}", columns, path, r, bar.update)
                                       for c, r in zip(conns, ranges)))
        bar.close()
        phases["copy"] = time.perf_counter() - started
        offsets, first_line = [], 1  # line 1 is the header
        for load in loads:
            offsets.append(first_line)
            first_line += load.lines
        early_rejects = [(path.name, offset + line, reason, raw)
                         for load, offset in zip(loads, offsets) for line, reason, raw in load.rejects]
        if early_rejects:
            await conns[0].copy_records_to_table("reject", schema_name="staging", records=early_rejects,
                                                 columns=["file", "line", "reason", "raw"])
        results = await asyncio.gather(*(_stage_range(c, kind, offset, path.name)
                                         for c, offset in zip(conns, offsets)))
        phases["validate"] = time.perf_counter() - started - phases["copy"]
    finally:
        for c in conns:
            await pool.release(c)
    return sum(r["staged"] for r in results), sum(r["rejected"] for r in results) + len(early_rejects)


async def _stage_range(conn: asyncpg.Connection, kind: FileKind, offset: int, file_name: str) -> asyncpg.Record:
    query = queries[_STAGE[kind.name]]
    if kind is not STATUS:
        return await conn.fetchrow(query, offset, file_name)
    try:
        async with conn.transaction():
            return await conn.fetchrow(query, offset, file_name, False)
    except asyncpg.DataError:
        # A timestamp of the right shape that is not a real instant: check every one of this range's rows.
        return await conn.fetchrow(query, offset, file_name, True)


async def _move(conn: asyncpg.Connection, pool: asyncpg.Pool, kind: FileKind, result: FileResult, staged: int,
                workers: int) -> None:
    started = time.perf_counter()
    if kind is STATUS:
        result.loaded = await move_polls(conn, pool, workers)
    else:
        async with conn.transaction():
            if kind is HOURS:
                result.loaded = (await conn.fetchrow(queries["move_hours"]))["inserted"]
            else:
                result.loaded = await conn.fetchval(queries["move_timezones"])
                result.warnings = [
                    f"unknown timezone {r['timezone_str']!r} for {r['stores']} store(s) "
                    f"(e.g. {r['example_store']}): reports use America/Chicago"
                    for r in await conn.fetch(queries["unknown_timezones"])
                ]
    result.duplicates = staged - result.loaded
    result.phases["move"] = time.perf_counter() - started
    if kind is STATUS and result.loaded:
        await conn.execute("analyze store_status")
        result.phases["analyze"] = time.perf_counter() - started - result.phases["move"]


async def ingest(settings: Settings, source: Path | None = None, *, status: Path | None = None,
                 hours: Path | None = None, timezones: Path | None = None, workers: int | None = None,
                 rejects: Path | None = None, progress: bool | None = None) -> IngestResult:
    workers = workers or default_workers()
    progress = sys.stderr.isatty() if progress is None else progress
    with tempfile.TemporaryDirectory(prefix="storepulse-ingest-") as unpack:
        paths = find_sources(source, {"status": status, "hours": hours, "timezones": timezones}, Path(unpack))
        conn = await connect(settings)
        # Two connections per part: the move pipes COPY out of staging into COPY into store_status.
        pool = await asyncpg.create_pool(settings.dsn(), min_size=1, max_size=2 * workers,
                                         server_settings={"timezone": "UTC"})
        try:
            if not await conn.fetchval("select pg_try_advisory_lock($1)", _LOCK_KEY):
                raise IngestError("another load is running on this database; try again when it has finished")
            await recover_interrupted_loads(conn)
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
                                                    progress, result.phases)
        result.read = staged + result.rejected
        await _move(conn, pool, kind, result, staged, workers)
    except IngestError as exc:
        result.error = str(exc).removeprefix(f"{path}: ")
    finally:
        await conn.execute(queries["clear_staged_rows"])
    result.seconds = time.perf_counter() - started
    return result
