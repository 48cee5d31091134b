"""Work split over several connections that commits all or nothing (the loader moves one file's polls this way):
each part runs in its own transaction and is PREPAREd; only when every part is prepared is the decision recorded
(committed) and the parts committed. A coordinator that dies before the decision leaves prepared parts that the
next run (or `db start`) rolls back; one that dies after it leaves parts that are committed then.

PREPARE TRANSACTION and COMMIT/ROLLBACK PREPARED take no parameters, so the transaction id is spliced into the
statement; it is one of ours, checked against its exact shape first."""

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from app.db.queries import queries

GID_PREFIX = "storepulse-ingest-"
_GID = re.compile(r"^storepulse-ingest-[0-9a-f]{32}-[0-9]+$")


def _gid(load_id: str, part: int) -> str:
    gid = f"{GID_PREFIX}{load_id}-{part}"
    if not _GID.match(gid):  # it is spliced into the statement: PREPARE TRANSACTION takes no parameters
        raise ValueError(f"bad transaction id {gid!r}")
    return gid


async def recover_interrupted_loads(conn: asyncpg.Connection) -> int:
    """Finish what a killed load left prepared. Returns the number of parts resolved."""
    pending = await conn.fetch(queries["pending_load_parts"], GID_PREFIX)
    for row in pending:
        if not _GID.match(row["gid"]):
            continue
        verb = "commit prepared" if row["decided"] else "rollback prepared"
        await conn.execute(f"{verb} '{row['gid']}'")
    await conn.execute(queries["forget_load_decisions"], GID_PREFIX)
    return len(pending)


async def run_in_parts(coordinator: asyncpg.Connection, conns: Sequence[asyncpg.Connection],
                       work: Callable[[asyncpg.Connection, int], Awaitable[int]]) -> int:
    """Run work(conn, part) on every connection, committing all parts or none. Returns the sum of the results."""
    load_id = uuid.uuid4().hex
    prepared: list[str] = []

    async def run_part(conn: asyncpg.Connection, part: int) -> int:
        await conn.execute(queries["begin_part"])
        try:
            await conn.execute(queries["part_lock_timeout"])
            result = await work(conn, part)
            gid = _gid(load_id, part)
            await conn.execute(f"prepare transaction '{gid}'")
        except BaseException:
            if not conn.is_closed() and conn.is_in_transaction():
                await conn.execute(queries["rollback_part"])
            raise
        prepared.append(gid)
        return result

    # Every part runs to its end (prepared or rolled back) before anything is decided.
    outcomes = await asyncio.gather(*(run_part(c, i) for i, c in enumerate(conns)), return_exceptions=True)
    failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
    if failure is not None:
        for gid in prepared:
            await coordinator.execute(f"rollback prepared '{gid}'")
        raise failure
    await coordinator.execute(queries["record_load_decision"], load_id)
    for gid in prepared:
        await coordinator.execute(f"commit prepared '{gid}'")
    await coordinator.execute(queries["forget_load_decisions"], GID_PREFIX)
    return sum(o for o in outcomes if isinstance(o, int))
