"""Staging the small files (business hours, timezones): COPY as text into the connection's temporary landing
table, whose identity column numbers the lines, then validation and conversion in SQL into staging.*."""

from pathlib import Path

import asyncpg

from app.db.queries import queries
from app.errors import IngestError
from app.ingest.landing_check import ColumnCountCheck
from app.ingest.parallel_copy import ByteRange, copy_range
from app.ingest.sources import HOURS, FileKind, Header

_EXTRA_COLUMNS = 16  # the landing tables' x1..x16


def _land_columns(kind: FileKind, header: Header) -> list[str]:
    """The landing table's columns in the file's column order."""
    if header.column_count > len(kind.columns) + _EXTRA_COLUMNS:
        raise IngestError(f"{header.column_count} columns; at most {len(kind.columns) + _EXTRA_COLUMNS} are read")
    by_position = {pos: name for name, pos in header.positions.items()}
    extras = iter(f"x{i}" for i in range(1, _EXTRA_COLUMNS + 1))
    return [by_position.get(pos) or next(extras) for pos in range(1, header.column_count + 1)]


async def stage_small_file(conn: asyncpg.Connection, path: Path, kind: FileKind, header: Header) -> tuple[int, int]:
    """Returns (rows staged, rows rejected)."""
    land = "land_hours" if kind is HOURS else "land_timezones"
    columns = _land_columns(kind, header)
    await conn.execute(queries[f"create_{land}"])
    await conn.execute(queries[f"reset_{land}"])
    check = ColumnCountCheck(len(columns))
    size = path.stat().st_size
    if size > header.data_offset:
        await copy_range(conn, land, columns, path, ByteRange(header.data_offset, size), check,
                         force_not_null=columns)
    first_line = 1  # the header
    early_rejects = check.result.rejects
    if early_rejects.count:
        await conn.copy_records_to_table(
            "reject", schema_name="staging", columns=["file", "line", "reason", "raw"],
            records=((path.name, first_line + line, reason, raw) for line, reason, raw in early_rejects))
    early_rejects.close()
    result = await conn.fetchrow(queries["stage_hours" if kind is HOURS else "stage_timezones"], first_line,
                                 path.name)
    return result["staged"], result["rejected"] + early_rejects.count
