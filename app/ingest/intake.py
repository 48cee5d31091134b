"""Polls received live (`POST /polls`): a CSV body with the file's header, or JSON objects with the same keys,
checked line by line exactly as the loader checks the polls file (PollCheck), stored in one transaction with the
status change summary brought up to date for them in proportion to the batch (app/summary/absorb.py). Idempotent:
a poll already stored is counted as a duplicate and stored once."""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from app.db.queries import queries
from app.errors import IngestError, RequestTooLarge
from app.ingest.poll_check import PollCheck, PollLayout
from app.ingest.sources import STATUS, parse_header
from app.summary.absorb import absorb_polls
from app.summary.lock import summary_lock_within

MAX_ROWS = 100_000
MAX_BYTES = 16 * 1024 * 1024
_LOCK_WAIT_SECONDS = 2.0  # a summary writer busy for longer: store the polls, leave the summary to the next refresh
_KEYS = ("store_id", "status", "timestamp_utc")


@dataclass
class Rejected:
    row: int  # 1-based data row
    reason: str


@dataclass
class Batch:
    """A checked body: the accepted rows as canonical CSV lines (store_id, status, timestamp_utc) and the rejects."""

    received: int = 0
    columns: list[str] = field(default_factory=lambda: list(_KEYS))  # the order of the fields in `lines`
    lines: list[bytes] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the data row of each accepted line
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True)
class Intake:
    received: int
    stored: int
    duplicates: int
    rejected: list[Rejected]
    summarized: bool  # False: the summary was busy; reports summarize these polls' day themselves


def _check_lines(data_lines: Sequence[bytes], layout: PollLayout) -> Batch:
    """The lines checked all at once, as the loader checks a block of the file (PollCheck.check: numpy for the
    usual lines, one by one for the others); blank lines are skipped and not counted."""
    if len(data_lines) > MAX_ROWS:
        raise RequestTooLarge(f"{len(data_lines):,} rows; at most {MAX_ROWS:,} are accepted per request")
    lines = [raw.rstrip(b"\r") for raw in data_lines]
    blank = [not line.strip() for line in lines]
    batch = Batch(received=len(lines) - sum(blank), columns=layout.copy_columns)
    if not batch.received:
        return batch
    check = PollCheck(layout)
    checked = check.check(b"\n".join(b"" if empty else line for line, empty in zip(lines, blank)) + b"\n")
    batch.lines = [line + b"\n" for line in checked.split(b"\n")[:-1]]
    dropped = set(check.dropped)  # the rows (1-based) not passed on: blank or rejected
    batch.rows = [row for row in range(1, len(lines) + 1) if row not in dropped]
    batch.rejected = sorted((Rejected(row, reason) for row, reason, _ in check.result.rejects),
                            key=lambda r: r.row)
    check.result.rejects.close()
    return batch


def check_csv_body(body: bytes) -> Batch:
    """A text/csv body: a header naming store_id, status and timestamp_utc in any order, then one poll per line."""
    if len(body) > MAX_BYTES:
        raise RequestTooLarge(f"{len(body):,} bytes; at most {MAX_BYTES:,} are accepted per request")
    header, _, rest = body.partition(b"\n")
    parsed = parse_header(header + b"\n", STATUS, "the body")
    lines = rest.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()  # the newline that ends the last line
    return _check_lines(lines, PollLayout.from_header(parsed))


def _as_text(value: Any) -> str | None:
    """A JSON value as the file would spell it: strings as they are, integers (the first release's store ids)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def check_json_body(items: Any) -> Batch:
    """An application/json body: a list of objects with store_id, status and timestamp_utc, checked as the lines of
    a file with that header."""
    if not isinstance(items, list):
        raise IngestError("the body must be a JSON list of objects with store_id, status and timestamp_utc")
    lines, problems = [], {}
    for row, item in enumerate(items, start=1):
        values = [_as_text(item.get(key)) if isinstance(item, dict) else None for key in _KEYS]
        if not isinstance(item, dict):
            problems[row] = "not a JSON object"
        elif None in values:
            missing = [k for k, v in zip(_KEYS, values) if v is None]
            problems[row] = f"{', '.join(missing)} missing or not a string"
        elif any("\n" in v or "\r" in v for v in values if v is not None):  # a file's line cannot hold one either
            problems[row] = "a value holds a line break"
        if row in problems:
            lines.append(b"\x00")  # a line that is rejected; its reason is replaced by the problem's below
            continue
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(values)
        lines.append(out.getvalue().encode())
    batch = _check_lines(lines, PollLayout(3, (0, 1, 2)))
    batch.rejected = sorted([r for r in batch.rejected if r.row not in problems]
                            + [Rejected(row, reason) for row, reason in problems.items()], key=lambda r: r.row)
    return batch


def _store_of(batch: Batch, line: bytes) -> str:
    column = batch.columns.index("store_id")
    if b'"' not in line:  # the usual line: no quoting, so no comma inside a field
        return line.rstrip(b"\n").split(b",")[column].decode()
    return next(csv.reader([line.decode()]))[column]


def stores_of(batch: Batch) -> set[str]:
    return {_store_of(batch, line) for line in batch.lines}


def restrict(batch: Batch, permitted: set[str]) -> Batch:
    """Rejects, row by row, the polls of stores not in `permitted` (those a tenant's write key may post)."""
    stores = [_store_of(batch, line) for line in batch.lines]
    keep = [i for i, store in enumerate(stores) if store in permitted]
    refused = [Rejected(batch.rows[i], f"store {stores[i]!r} is not one of this key's stores")
               for i in range(len(stores)) if stores[i] not in permitted]
    return Batch(batch.received, batch.columns, [batch.lines[i] for i in keep], [batch.rows[i] for i in keep],
                 sorted(batch.rejected + refused, key=lambda r: r.row))


async def store_batch(conn: asyncpg.Connection, batch: Batch) -> Intake:
    """Stores the accepted polls that are new, in one transaction, with the summary brought up to date for them
    when its lock is free within a moment (otherwise the summary knows it is stale)."""
    if not batch.lines:
        return Intake(batch.received, 0, 0, batch.rejected, True)
    async with summary_lock_within(conn, _LOCK_WAIT_SECONDS) as summarized:
        async with conn.transaction(isolation="repeatable_read" if summarized else "read_committed"):
            await conn.execute(queries["create_intake_table"])
            await conn.copy_to_table("intake_poll", source=io.BytesIO(b"".join(batch.lines)), format="csv",
                                     columns=batch.columns)
            bounds = await conn.fetchrow(queries["intake_poll_bounds"])
            added = await conn.fetch(queries["store_intake_polls"], bounds["lo"], bounds["hi"])
            if summarized:
                await absorb_polls(conn, [r["store_id"] for r in added], [r["timestamp_utc"] for r in added],
                                   exact=True)
    return Intake(batch.received, len(added), len(batch.lines) - len(added), batch.rejected, summarized)
