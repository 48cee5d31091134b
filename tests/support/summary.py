"""What the status change summary must hold, computed in Python from the polls, and what it holds."""

from datetime import datetime

import asyncpg

Poll = tuple[str, str, datetime]  # (store_id, status, timestamp_utc)


def expected_summary(polls: list[Poll]) -> set[tuple[str, datetime, str]]:
    """Per store and UTC day: the first poll and every poll whose status differs from the one before, polls in
    (time, status) order, exact duplicates once."""
    kept, previous = set(), {}
    for store, status, ts in sorted(set(polls), key=lambda p: (p[0], p[2], p[1])):
        if previous.get(store) != (ts.date(), status):
            kept.add((store, ts, status))
        previous[store] = (ts.date(), status)
    return kept


async def summary_rows(conn: asyncpg.Connection) -> set[tuple[str, datetime, str]]:
    return {(r["store_id"], r["ts"], r["status"]) for r in await conn.fetch("select * from status_change")}
