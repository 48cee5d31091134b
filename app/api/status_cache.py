"""StatusCache: the answers to `GET /get_report/{id}` polls, coalesced per report within this process.

Hundreds of clients polling a running report would each cost a database round trip, on a database whose cores
are busy computing that very report, so every poll would queue for CPU there. Instead, this process reads a
report's state at most once per `refresh_seconds` (in the background, one read at a time) and answers polls from
the last read. An answer is therefore at most `refresh_seconds` plus one read's duration old; a report that just
finished may read as running that much longer. Only the first poll of a report, or one after more than
`max_age_seconds` without a successful read, waits for the database.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass

from app.jobs.manager import ReportManager, ReportStatus

_MAX_ENTRIES = 10_000  # beyond this, entries too old to be served are dropped


@dataclass
class _Entry:
    read_at: float = float("-inf")
    status: ReportStatus | None = None
    reading: asyncio.Task | None = None


class StatusCache:
    def __init__(self, manager: ReportManager, refresh_seconds: float = 0.2, max_age_seconds: float = 10.0):
        self.manager = manager
        self.refresh_seconds = refresh_seconds
        self.max_age_seconds = max_age_seconds
        self._entries: dict[uuid.UUID, _Entry] = {}

    async def get(self, report_id: uuid.UUID) -> ReportStatus | None:
        """The report's state (None: no such report)."""
        entry = self._entries.get(report_id)
        if entry is None:
            self._prune()
            entry = self._entries[report_id] = _Entry()
        age = time.monotonic() - entry.read_at
        if age >= self.refresh_seconds and entry.reading is None:
            entry.reading = asyncio.create_task(self._read(report_id, entry))
            # A failed read that no poll awaited must not be logged as "never retrieved"; the next poll retries.
            entry.reading.add_done_callback(lambda task: task.cancelled() or task.exception())
        if age < self.max_age_seconds or entry.reading is None:
            return entry.status
        return await asyncio.shield(entry.reading)

    def forget(self, report_id: uuid.UUID) -> None:
        """Drop what is known of a report that this process has just changed (cancelled)."""
        self._entries.pop(report_id, None)

    async def _read(self, report_id: uuid.UUID, entry: _Entry) -> ReportStatus | None:
        started = time.monotonic()
        try:
            entry.status = await self.manager.status(report_id)
            entry.read_at = started
            return entry.status
        finally:
            entry.reading = None

    def _prune(self) -> None:
        if len(self._entries) < _MAX_ENTRIES:
            return
        now = time.monotonic()
        stale = [k for k, e in self._entries.items() if now - e.read_at >= self.max_age_seconds and e.reading is None]
        for report_id in stale:
            del self._entries[report_id]
