"""`python -m app ingest`: loads the input files. The polls file: parallel COPY of byte ranges straight into
staging.poll through a vectorised line check, then a parallel move into store_status that is all-or-nothing for the
file (poll_stage.py, poll_move.py). The small files (hours, time zones, special hours): COPY into a landing table,
validation in SQL, one transaction each (landing.py). Loading the same data twice adds nothing. Whatever a file
holds, its load ends with a result: a failure becomes that file's one-line error, and the other files load."""

import asyncio
import logging
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
from app.ingest.limits import LineLimits
from app.ingest.parallel_copy import default_workers
from app.ingest.poll_move import move_polls, plan_move
from app.ingest.poll_stage import stage_polls
from app.ingest.sources import HOURS, KINDS, SPECIAL_HOURS, STATUS, FileKind, Header, Source, find_sources, read_header
from app.summary.absorb import absorb_staged_polls
from app.summary.refresh import refresh_summary

log = logging.getLogger(__name__)
_LOCK_KEY = 0x5709E_0002  # one load at a time: the staging tables are shared
_SESSION = {"timezone": "UTC"}  # COPY reads a timestamp without an offset as UTC
_UNKNOWN_ZONES_SHOWN = 10


@dataclass
class FileResult:
    kind: str
    name: str  # the file's name (the rejects file's `file` column)
    source: str  # where it was found: its path, or the zip and the member
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
    ignored: list[str] = field(default_factory=list)  # files found that are no input file, with the reason

    @property
    def ok(self) -> bool:
        """Every file loaded (rows may have been rejected)."""
        return all(f.error is None for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    def file(self, kind: str) -> FileResult:
        return next(f for f in self.files if f.kind == kind)

    def table(self) -> str:
        lines = [f"{'file':<28} {'read':>10} {'loaded':>10} {'duplicates':>10} {'rejected':>9} {'seconds':>8}"]
        for f in self.files:
            if f.error:
                lines.append(f"{f.name:<28} FAILED: {f.error}")
            else:
                lines.append(f"{f.name:<28} {f.read:>10,} {f.loaded:>10,} {f.duplicates:>10,} "
                             f"{f.rejected:>9,} {f.seconds:>8.2f}")
            lines.extend(f"  warning: {w}" for w in f.warnings)
        lines.extend(f"not loaded: {i}" for i in self.ignored)
        if self.rejects_path:
            lines.append(f"rejected rows (line and reason): {self.rejects_path}")
        return "\n".join(lines)


async def ingest(settings: Settings, source: Path | None = None, *, status: Path | None = None,
                 hours: Path | None = None, timezones: Path | None = None, special_hours: Path | None = None,
                 workers: int | None = None, rejects: Path | None = None,
                 progress: bool | None = None) -> IngestResult:
    workers = workers or default_workers()
    progress = sys.stderr.isatty() if progress is None else progress
    limits = LineLimits.from_settings(settings)
    found = find_sources(source, {"status": status, "hours": hours, "timezones": timezones,
                                  "special_hours": special_hours})
    with tempfile.TemporaryDirectory(prefix="storepulse-ingest-") as unpack:
        load = _Load(found.files, Path(unpack), limits, workers, progress)
        conn = await connect(settings)
        # Two connections per part: the move pipes COPY out of staging into COPY into store_status.
        pool = await asyncpg.create_pool(settings.dsn(), min_size=1, max_size=2 * workers, server_settings=_SESSION)
        try:
            if not await conn.fetchval(queries["try_load_lock"], _LOCK_KEY):
                raise IngestError("another load is running on this database; try again when it has finished")
            await recover_interrupted_loads(conn)
            await conn.execute(queries["clear_staging"])
            # The small files load on a connection of their own while the polls file loads: they are mostly
            # round trips, and would otherwise leave a core idle.
            async with asyncio.TaskGroup() as group:
                small = group.create_task(load.small_files(settings))
                polls = group.create_task(load.polls_file(conn, pool))
            results = small.result() + polls.result()
            rejects_path = None
            if any(r.rejected for r in results):
                rejects_path = (rejects or Path("ingest_rejects.csv")).resolve()
                try:
                    await conn.copy_from_query(queries["rejects_csv"], output=str(rejects_path), format="csv",
                                               header=True)
                except OSError as exc:
                    raise IngestError(f"{rejects_path}: the rejected rows could not be written ({exc})") from exc
            await conn.execute(queries["clear_staging"])
            return IngestResult(results, rejects_path, found.ignored)
        finally:
            await pool.close()
            await conn.close()


@dataclass
class _Load:
    files: dict[str, Source]
    scratch: Path  # where files from a zip or a .gz are unpacked
    limits: LineLimits
    workers: int
    progress: bool

    async def polls_file(self, conn: asyncpg.Connection, pool: asyncpg.Pool) -> list[FileResult]:
        if "status" not in self.files:
            return []
        return [await self._load_file(conn, pool, STATUS)]

    async def small_files(self, settings: Settings) -> list[FileResult]:
        kinds = [k for k in KINDS if k is not STATUS and k.name in self.files]
        if not kinds:
            return []
        conn = await connect(settings)
        try:
            return [await self._load_file(conn, None, k) for k in kinds]
        finally:
            await conn.close()

    async def _load_file(self, conn: asyncpg.Connection, pool: asyncpg.Pool | None, kind: FileKind) -> FileResult:
        source = self.files[kind.name]
        result = FileResult(kind.name, source.name, str(source))
        started = time.perf_counter()
        try:
            path = await asyncio.to_thread(source.local_file, self.scratch)
            header = read_header(path, kind, str(source))
            if kind is STATUS:
                assert pool is not None
                await _load_polls(conn, pool, path, source.name, header, self.workers, self.progress, self.limits,
                                  result)
            else:
                await _load_small_file(conn, path, source.name, kind, header, self.limits, result)
        except IngestError as exc:
            result.error = str(exc).removeprefix(f"{source}: ")
        except Exception as exc:  # noqa: BLE001 - whatever a file holds, the other files still load
            log.debug("loading %s failed", source, exc_info=True)
            result.error = f"could not be loaded: {type(exc).__name__}: {_one_line(exc)}"
        try:
            await conn.execute(queries[f"clear_staged_{kind.name}"])
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            result.error = result.error or f"clearing its staged rows failed: {_one_line(exc)}"
        result.seconds = time.perf_counter() - started
        return result


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]


async def _load_polls(conn: asyncpg.Connection, pool: asyncpg.Pool, path: Path, name: str, header: Header,
                      workers: int, progress: bool, limits: LineLimits, result: FileResult) -> None:
    clock = _PhaseClock(result.phases)
    staged = await stage_polls(pool, path, name, header, workers, progress, limits)
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


async def _load_small_file(conn: asyncpg.Connection, path: Path, name: str, kind: FileKind, header: Header,
                           limits: LineLimits, result: FileResult) -> None:
    clock = _PhaseClock(result.phases)
    staged, result.rejected = await stage_small_file(conn, path, name, kind, header, limits)
    result.read = staged + result.rejected
    clock.lap("copy")
    async with conn.transaction():
        if kind is HOURS:
            result.loaded = (await conn.fetchrow(queries["move_hours"]))["inserted"]
        elif kind is SPECIAL_HOURS:
            result.loaded = (await conn.fetchrow(queries["move_special_hours"]))["inserted"]
        else:
            result.loaded = await conn.fetchval(queries["move_timezones"])
            unknown = await conn.fetch(queries["unknown_timezones"])
            result.warnings = [
                f"unknown timezone {r['timezone_str'][:100]!r} for {r['stores']} store(s) "
                f"(e.g. {r['example_store'][:100]}): reports use America/Chicago"
                for r in unknown[:_UNKNOWN_ZONES_SHOWN]
            ]
            if len(unknown) > _UNKNOWN_ZONES_SHOWN:
                result.warnings.append(f"and {len(unknown) - _UNKNOWN_ZONES_SHOWN:,} more unknown timezone names")
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
