"""Staging the small files (business hours, time zones, special hours): COPY as text into the connection's
temporary landing table through LandingCheck (every row numbered with its line), then validation and conversion in
SQL into staging.*."""

from pathlib import Path

import asyncpg

from app.db.queries import queries
from app.errors import IngestError
from app.ingest.landing_check import LandingCheck
from app.ingest.limits import LineLimits
from app.ingest.parallel_copy import ByteRange, copy_range
from app.ingest.sources import SPECIAL_HOURS, FileKind, Header

_EXTRA_COLUMNS = 16  # the landing tables' x1..x16


def _land_columns(kind: FileKind, header: Header) -> list[str]:
    """The landing table's columns in the file's column order."""
    if header.column_count > len(kind.columns) + _EXTRA_COLUMNS:
        raise IngestError(f"{header.column_count} columns; at most {len(kind.columns) + _EXTRA_COLUMNS} are read")
    by_position = {pos: name for name, pos in header.positions.items()}
    extras = iter(f"x{i}" for i in range(1, _EXTRA_COLUMNS + 1))
    return [by_position.get(pos) or next(extras) for pos in range(1, header.column_count + 1)]


async def stage_small_file(conn: asyncpg.Connection, path: Path, name: str, kind: FileKind, header: Header,
                           limits: LineLimits) -> tuple[int, int]:
    """Returns (rows staged, rows rejected); `name` is the file's name in the rejects."""
    land = f"land_{kind.name}"
    columns = _land_columns(kind, header)
    await conn.execute(queries[f"create_{land}"])
    await conn.execute(queries[f"reset_{land}"])
    header_line = 1
    check = LandingCheck(len(columns), limits, header_line)
    size = path.stat().st_size
    if size > header.data_offset:
        await copy_range(conn, land, ["line", *columns], path, ByteRange(header.data_offset, size), check)
    early_rejects = check.result.rejects
    if early_rejects.count:
        await conn.copy_records_to_table(
            "reject", schema_name="staging", columns=["file", "line", "reason", "raw"],
            records=((name, header_line + line, reason, raw) for line, reason, raw in early_rejects))
    early_rejects.close()
    years = (limits.first_year, limits.last_year) if kind is SPECIAL_HOURS else ()
    result = await conn.fetchrow(queries[f"stage_{kind.name}"], name, limits.max_store_id_bytes, *years)
    return result["staged"], result["rejected"] + early_rejects.count
