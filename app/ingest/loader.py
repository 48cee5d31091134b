"""`python -m app ingest`: loads the three CSV files. The polls file: parallel COPY of byte ranges straight into
staging.poll through a vectorised line check, then a parallel move into store_status that is all-or-nothing for the
file (poll_stage.py, poll_move.py). The small files: COPY into a landing table, validation in SQL, one transaction
(landing.py). Loading the same data twice adds nothing."""

import asyncio
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from app.config import Settings
from app.db.connect import connect
from app.db.queries import queries
from app.db.two_phase import recover_interrupted_loads
from app.errors import IngestError
from app.ingest.landing import stage_small_file
from app.ingest.parallel_copy import default_workers
from app.ingest.poll_move import move_polls, plan_move
from app.ingest.poll_stage import stage_polls
from app.ingest.sources import HOURS, KINDS, STATUS, FileKind, Header, find_sources, read_header
from app.summary.absorb import absorb_staged_polls
from app.summary.refresh import refresh_summary

_LOCK_KEY = 0x5709E_0002  # one load at a time: the staging tables are shared
_SESSION = {"timezone": "UTC"}  # COPY reads a timestamp without an offset as UTC


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


async def ingest(settings: Settings, source: Path | None = None, *, status: Path | None = None,
                 hours: Path | None = None, timezones: Path | None = None, workers: int | None = None,
                 rejects: Path | None = None, progress: bool | None = None) -> IngestResult:
    workers = workers or default_workers()
    progress = sys.stderr.isatty() if progress is None else progress
    with tempfile.TemporaryDirectory(prefix="storepulse-ingest-") as unpack:
        paths = find_sources(source, {"status": status, "hours": hours, "timezones": timezones}, Path(unpack))
        conn = await connect(settings)
        # Two connections per part: the move pipes COPY out of staging into COPY into store_status.
        pool = await asyncpg.create_pool(settings.dsn(), min_size=1, max_size=2 * workers, server_settings=_SESSION)
        try:
            if not await conn.fetchval("select pg_try_advisory_lock($1)", _LOCK_KEY):
                raise IngestError("another load is running on this database; try again when it has finished")
            await recover_interrupted_loads(conn)
            await conn.execute(queries["clear_staging"])
            # The small files load on a connection of their own while the polls file loads: they are mostly
            # round trips, and would otherwise leave a core idle.
            async with asyncio.TaskGroup() as group:
                small = group.create_task(_load_small_files(settings, paths, progress))
                polls = group.create_task(_load_polls_file(conn, pool, paths, workers, progress))
            results = small.result() + polls.result()
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


async def _load_polls_file(conn: asyncpg.Connection, pool: asyncpg.Pool, paths: dict[str, Path], workers: int,
                           progress: bool) -> list[FileResult]:
    if "status" not in paths:
        return []
    return [await _load_file(conn, pool, paths["status"], STATUS, workers, progress)]


async def _load_small_files(settings: Settings, paths: dict[str, Path], progress: bool) -> list[FileResult]:
    kinds = [k for k in KINDS if k is not STATUS and k.name in paths]
    if not kinds:
        return []
    conn = await connect(settings)
    try:
        return [await _load_file(conn, None, paths[k.name], k, 1, progress) for k in kinds]
    finally:
        await conn.close()


async def _load_file(conn: asyncpg.Connection, pool: asyncpg.Pool | None, path: Path, kind: FileKind,
                     workers: int, progress: bool) -> FileResult:
    result = FileResult(kind.name, path)
    started = time.perf_counter()
    try:
        header = read_header(path, kind)
        if kind is STATUS:
            await _load_polls(conn, pool, path, header, workers, progress, result)
        else:
            await _load_small_file(conn, path, kind, header, result)
    except IngestError as exc:
        result.error = str(exc).removeprefix(f"{path}: ")
    finally:
        await conn.execute(queries[f"clear_staged_{kind.name}"])
    result.seconds = time.perf_counter() - started
    return result


async def _load_polls(conn: asyncpg.Connection, pool: asyncpg.Pool, path: Path, header: Header, workers: int,
                      progress: bool, result: FileResult) -> None:
    clock = _PhaseClock(result.phases)
    staged = await stage_polls(pool, path, header, workers, progress)
    try:
        if staged.rejected:
            await conn.copy_records_to_table("reject", schema_name="staging", records=staged.reject_records(),
                                             columns=["file", "line", "reason", "raw"])
    finally:
        staged.close()
    result.rejected = staged.rejected
    result.read = staged.staged + result.rejected
    clock.lap("copy")
    load_id = uuid.uuid4().hex
    try:
        parts = await plan_move(conn, workers, staged.days, staged.staged)
        clock.lap("plan")
        result.loaded = await move_polls(conn, pool, parts, load_id)
    except asyncpg.PostgresError as exc:
        raise IngestError(f"moving the polls into store_status failed: {exc}") from exc
    result.duplicates = staged.staged - result.loaded
    clock.lap("move")
    if result.loaded:
        try:
            await keep_summary_current(conn, pool, workers, load_id, result.loaded)
        except asyncpg.PostgresError as exc:  # the polls are in; the next report summarizes them instead
            result.warnings.append(f"the status change summary was not brought up to date ({exc}); "
                                   "the next report will do it")
    clock.lap("summarize")


async def _load_small_file(conn: asyncpg.Connection, path: Path, kind: FileKind, header: Header,
                           result: FileResult) -> None:
    clock = _PhaseClock(result.phases)
    staged, result.rejected = await stage_small_file(conn, path, kind, header)
    result.read = staged + result.rejected
    clock.lap("copy")
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
    clock.lap("move")


_ABSORB_AT_MOST = 200_000  # polls; a bigger load is summarized chunk by chunk instead, which is faster then


async def keep_summary_current(conn: asyncpg.Connection, pool: asyncpg.Pool, workers: int, load_id: str,
                               added: int) -> None:
    """After the load committed: the summary brought up to date for its polls, in proportion to them (a small load,
    still in staging) or by summarizing the days it wrote again (a big one)."""
    if added <= _ABSORB_AT_MOST:
        await absorb_staged_polls(conn, load_id)
    else:
        await refresh_summary(pool, workers)


class _PhaseClock:
    def __init__(self, phases: dict[str, float]):
        self.phases = phases
        self.last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.phases[phase] = now - self.last
        self.last = now
