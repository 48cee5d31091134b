"""Finding the input files (a folder, a zip, one file, or flags) and matching their columns by header name.

A file is recognised by its header: the columns a kind of file needs, in any order and any spelling listed below.
Its name decides only when the header would fit more than one kind, or none (then the load of that kind fails with
the header's missing columns). Files are `.csv` or `.csv.gz`, anywhere in the folder or the zip; two files of one
kind are an error naming both. Both public releases of the data are recognised: the later one (`store_status.csv`,
`menu_hours.csv`, `timezones.csv`) and the first one (`store status.csv`, `Menu hours.csv`, a time zone file named
`bq-results-….csv`, and `day` as the weekday's header)."""

import csv
import gzip
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from app.errors import IngestError

MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    name: str
    flag: str  # the ingest command's option for it
    file_names: tuple[str, ...]  # lower case
    # column -> accepted header spellings (compared case-insensitively after trimming)
    columns: dict[str, tuple[str, ...]]

    def spelled(self, column: str) -> str:
        spellings = self.columns[column]
        return spellings[0] if len(spellings) == 1 else f"{spellings[0]} (or {', '.join(spellings[1:])})"


STATUS = FileKind(
    "status", "--status",
    ("store_status.csv", "store status.csv"),
    {"store_id": ("store_id",), "status": ("status",), "timestamp_utc": ("timestamp_utc",)},
)
HOURS = FileKind(
    "hours", "--hours",
    ("menu_hours.csv", "menu hours.csv", "business_hours.csv", "store_hours.csv"),
    {
        "store_id": ("store_id",),
        "day_of_week": ("dayOfWeek", "day_of_week", "day"),
        "start_time_local": ("start_time_local",),
        "end_time_local": ("end_time_local",),
    },
)
TIMEZONES = FileKind(
    "timezones", "--timezones",
    ("timezones.csv", "store_timezone.csv", "store_timezones.csv", "bq-results-20230125-202210-1674678181880.csv"),
    {"store_id": ("store_id",), "timezone_str": ("timezone_str",)},
)
SPECIAL_HOURS = FileKind(
    "special_hours", "--special-hours",
    ("special_hours.csv", "special hours.csv"),
    {
        "store_id": ("store_id",),
        "date_local": ("date_local", "date"),
        "start_time_local": ("start_time_local",),
        "end_time_local": ("end_time_local",),
    },
)
KINDS = (TIMEZONES, HOURS, SPECIAL_HOURS, STATUS)
BY_NAME = {k.name: k for k in KINDS}


@dataclass(frozen=True)
class Header:
    positions: dict[str, int]  # column -> 1-based position in the file
    column_count: int
    data_offset: int  # byte offset of the first data line


@dataclass(frozen=True)
class Source:
    """One input file: on disk or a member of a zip, plain or gzip-compressed."""

    path: Path  # the file, or the zip holding it
    member: str | None = None

    @property
    def name(self) -> str:
        """The file's own name, as the rejects file and the summary show it."""
        return Path(self.member).name if self.member else self.path.name

    @property
    def gzipped(self) -> bool:
        return self.name.lower().endswith(".gz")

    def __str__(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @contextmanager
    def open(self) -> Iterator[IO[bytes] | gzip.GzipFile]:
        """The file's bytes, decompressed."""
        with ExitStack() as stack:
            raw: IO[bytes]
            if self.member is None:
                raw = stack.enter_context(self.path.open("rb"))
            else:
                archive = stack.enter_context(zipfile.ZipFile(self.path))
                raw = stack.enter_context(archive.open(self.member))
            yield stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb")) if self.gzipped else raw

    def local_file(self, scratch: Path) -> Path:
        """A plain file on disk with the file's bytes: the file itself, or a copy unpacked into `scratch`."""
        if self.member is None and not self.gzipped:
            return self.path
        name = self.name[:-3] if self.gzipped else self.name
        target = Path(tempfile.mkdtemp(dir=scratch)) / name
        try:
            with self.open() as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except UNREADABLE as exc:
            raise IngestError(f"{self}: could not be read ({_why(exc)})") from exc
        return target


# What reading a damaged file can raise: a bad zip or gzip stream, a truncated one, an unsupported compression.
UNREADABLE = (OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError)


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass
class Found:
    files: dict[str, Source]  # kind name -> its file
    ignored: list[str] = field(default_factory=list)  # files that are no input file, with the reason


def find_sources(source: Path | None, explicit: dict[str, Path | None]) -> Found:
    """The files to load, by kind. Explicit paths win; a folder, a zip or a single file is searched."""
    found = Found({})
    for kind, path in explicit.items():
        if path is not None:
            if not path.is_file():
                raise IngestError(f"{path}: no such file")
            found.files[kind] = Source(path)
    if source is None:
        if not found.files:
            raise IngestError("nothing to load: give a folder, a zip file, or "
                              f"{'/'.join(k.flag for k in reversed(KINDS))}")
        return found
    if not source.exists():
        raise IngestError(f"{source}: no such file or folder")
    by_kind: dict[str, list[Source]] = {}
    for candidate in _candidates(source):
        fitting, why = classify(candidate)
        if fitting is None:
            found.ignored.append(f"{candidate}: {why}")
        elif fitting.name not in found.files:
            by_kind.setdefault(fitting.name, []).append(candidate)
    for kind_name, sources in by_kind.items():
        if len(sources) > 1:
            raise IngestError(f"{source}: two {kind_name} files, {' and '.join(str(s) for s in sources[:2])}; "
                              f"keep one, or name the one to load with {BY_NAME[kind_name].flag}")
        found.files[kind_name] = sources[0]
    if not found.files:
        wanted = "; ".join(f"{k.name}: {', '.join(k.columns)} ({k.file_names[0]})" for k in reversed(KINDS))
        raise IngestError(f"{source}: none of the input files found (looked for .csv or .csv.gz files with the "
                          f"columns of {wanted})")
    return found


def _is_candidate(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".csv", ".csv.gz"))


def _skipped(parts: tuple[str, ...]) -> bool:
    """Hidden files and folders, and the resource forks macOS adds to zips."""
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _candidates(source: Path) -> Iterator[Source]:
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and _is_candidate(path.name) and not _skipped(path.relative_to(source).parts):
                yield Source(path)
        return
    if not zipfile.is_zipfile(source):
        if not _is_candidate(source.name):
            raise IngestError(f"{source}: not a folder, a zip file, or a .csv or .csv.gz file")
        yield Source(source)
        return
    try:
        with zipfile.ZipFile(source) as archive:
            members = [m.filename for m in archive.infolist() if not m.is_dir()]
    except UNREADABLE as exc:
        raise IngestError(f"{source}: could not be read as a zip file ({_why(exc)})") from exc
    for member in sorted(members):
        if _is_candidate(member) and not _skipped(Path(member).parts):
            yield Source(source, member)


def header_names(source: Source) -> list[str]:
    """The header's column names, trimmed and in lower case."""
    with source.open() as f:
        return _names(f.readline(MAX_HEADER_BYTES + 1))


def _header_text(first: bytes) -> str:
    return first.decode("utf-8-sig", errors="replace").rstrip("\r\n")


def _names(first: bytes) -> list[str]:
    text = _header_text(first).replace("\x00", "")
    return [n.strip().lower() for n in next(csv.reader([text]), [])]


def _fits(kind: FileKind, names: list[str]) -> bool:
    return all(any(s.lower() in names for s in spellings) for spellings in kind.columns.values())


def kind_by_file_name(name: str) -> FileKind | None:
    lower = name.lower().removesuffix(".gz")
    return next((k for k in KINDS if lower in k.file_names), None)


def classify(source: Source) -> tuple[FileKind | None, str]:
    """The kind of an input file, or None with the reason it is none. Its header decides; its name when the header
    fits several kinds or none."""
    by_name = kind_by_file_name(source.name)
    try:
        names = header_names(source)
    except UNREADABLE as exc:
        return by_name, f"could not be read ({_why(exc)})"
    fitting = [k for k in KINDS if _fits(k, names)]
    if len(fitting) == 1:
        return fitting[0], ""
    if by_name is not None and (by_name in fitting or not fitting):
        return by_name, ""
    if fitting:
        raise IngestError(f"{source}: its header fits a {' and a '.join(k.name for k in fitting)} file; name it "
                          f"{' or '.join(k.file_names[0] for k in fitting)}, or give it with "
                          f"{' or '.join(k.flag for k in fitting)}")
    return None, "its header has the columns of no input file"


def read_header(path: Path, kind: FileKind, shown: str | None = None) -> Header:
    """The positions of the kind's columns in the header of `path` (a plain file); `shown` names it in errors."""
    with path.open("rb") as f:
        return parse_header(f.readline(MAX_HEADER_BYTES + 1), kind, shown or str(path))


def parse_header(first: bytes, kind: FileKind, source: str) -> Header:
    """The header line of a file (or of a CSV body posted to the API) of the given kind; `source` names it in
    errors."""
    if len(first) > MAX_HEADER_BYTES:
        raise IngestError(f"{source}: header line longer than {MAX_HEADER_BYTES} bytes")
    if not first.strip():
        raise IngestError(f"{source}: empty file or blank header line; expected columns {', '.join(kind.columns)}")
    text = _header_text(first)
    names = _names(first)
    positions, missing = {}, []
    for column, spellings in kind.columns.items():
        hits = [i for i, n in enumerate(names, start=1) if n in {s.lower() for s in spellings}]
        if hits:
            positions[column] = hits[0]
        else:
            missing.append(kind.spelled(column))
    if missing:
        raise IngestError(
            f"{source}: header {text!r} lacks the column(s) {', '.join(missing)} "
            f"(a {kind.name} file needs {', '.join(kind.columns)})"
        )
    return Header(positions, len(names), len(first))
