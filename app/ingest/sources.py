"""Finding the three input files (a folder, a zip, or flags) and matching their columns by header name."""

import csv
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.errors import IngestError


@dataclass(frozen=True)
class FileKind:
    name: str
    file_names: tuple[str, ...]
    # column -> accepted header spellings (compared case-insensitively after trimming)
    columns: dict[str, tuple[str, ...]]


STATUS = FileKind(
    "status",
    ("store_status.csv",),
    {"store_id": ("store_id",), "status": ("status",), "timestamp_utc": ("timestamp_utc",)},
)
HOURS = FileKind(
    "hours",
    ("menu_hours.csv", "business_hours.csv", "store_hours.csv"),
    {
        "store_id": ("store_id",),
        "day_of_week": ("dayofweek", "day_of_week"),
        "start_time_local": ("start_time_local",),
        "end_time_local": ("end_time_local",),
    },
)
TIMEZONES = FileKind(
    "timezones",
    ("timezones.csv", "store_timezone.csv", "store_timezones.csv"),
    {"store_id": ("store_id",), "timezone_str": ("timezone_str",)},
)
KINDS = (TIMEZONES, HOURS, STATUS)


@dataclass(frozen=True)
class Header:
    positions: dict[str, int]  # column -> 1-based position in the file
    column_count: int
    data_offset: int  # byte offset of the first data line


def find_sources(source: Path | None, explicit: dict[str, Path | None], unpack_dir: Path) -> dict[str, Path]:
    """The files to load, by kind. Explicit paths win; a folder or a zip is searched by the usual names."""
    found: dict[str, Path] = {}
    for kind, path in explicit.items():
        if path is not None:
            if not path.is_file():
                raise IngestError(f"{path}: no such file")
            found[kind] = path
    if source is None:
        if not found:
            raise IngestError("nothing to load: give a folder, a zip file, or --status/--hours/--timezones")
        return found
    if not source.exists():
        raise IngestError(f"{source}: no such file or folder")
    folder = _unzip(source, unpack_dir) if source.is_file() else source
    for kind in KINDS:
        if kind.name in found:
            continue
        for name in kind.file_names:
            match = _find_by_name(folder, name)
            if match:
                found[kind.name] = match
                break
    if not found:
        wanted = ", ".join(n for k in KINDS for n in k.file_names)
        raise IngestError(f"{source}: none of the input files found (looked for {wanted})")
    return found


def _find_by_name(folder: Path, name: str) -> Path | None:
    direct = folder / name
    if direct.is_file():
        return direct
    matches = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.lower() == name)
    return matches[0] if matches else None


def _unzip(path: Path, unpack_dir: Path) -> Path:
    if not zipfile.is_zipfile(path):
        raise IngestError(f"{path}: not a folder or a zip file")
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if member.filename.lower().endswith(".csv") and not member.is_dir():
                # Flatten: the usual names are looked up anywhere in the archive; never trust member paths.
                target = unpack_dir / Path(member.filename).name
                with archive.open(member) as src, target.open("wb") as dst:
                    while block := src.read(1 << 20):
                        dst.write(block)
    return unpack_dir


def read_header(path: Path, kind: FileKind) -> Header:
    with path.open("rb") as f:
        return parse_header(f.readline(), kind, str(path))


def parse_header(first: bytes, kind: FileKind, source: str) -> Header:
    """The header line of a file (or of a CSV body posted to the API) of the given kind."""
    if not first.strip():
        raise IngestError(f"{source}: empty file or blank header line; expected columns {', '.join(kind.columns)}")
    text = first.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    names = [n.strip().lower() for n in next(csv.reader([text]))]
    positions, missing = {}, []
    for column, spellings in kind.columns.items():
        hits = [i for i, n in enumerate(names, start=1) if n in spellings]
        if hits:
            positions[column] = hits[0]
        else:
            missing.append("dayOfWeek (or day_of_week)" if column == "day_of_week" else column)
    if missing:
        raise IngestError(
            f"{source}: header {text!r} lacks the column(s) {', '.join(missing)} "
            f"(a {kind.name} file needs {', '.join(kind.columns)})"
        )
    return Header(positions, len(names), len(first))
