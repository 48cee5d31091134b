"""What a client can do with reports, with the checks that go with it: shared by the API and the command line."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta

from app.db.models import Report
from app.errors import InvalidReportRequest, ReportNotCancellable, ReportNotFound
from app.jobs.manager import ReportManager
from app.report.engine import newest_poll
from app.report.parameters import MAX_DAYS, DayRange, ReportParameters

# A report for a list of stores carries the list in its parameters; beyond this many ids, report every store.
MAX_STORE_IDS = 10_000
_SHOWN_UNKNOWN = 10
REPORT_NOT_FOUND = "Report not found"  # the API's 404 detail, word for word
WEEK = timedelta(days=7)


def clean_store_ids(store_ids: Sequence[str]) -> list[str]:
    """The ids in request order without repeats; refuses an empty or oversized list and blank ids."""
    if not store_ids:
        raise InvalidReportRequest("store_ids is empty: leave it out to report every store")
    unique = list(dict.fromkeys(store_ids))
    if len(unique) > MAX_STORE_IDS:
        raise InvalidReportRequest(
            f"store_ids has {len(unique):,} ids; at most {MAX_STORE_IDS:,} are accepted (leave it out to report "
            "every store)"
        )
    if any(not store_id.strip() for store_id in unique):
        raise InvalidReportRequest("store_ids contains a blank id")
    return unique


async def submit_report(manager: ReportManager, as_of: datetime | None = None,
                        store_ids: Sequence[str] | None = None, days: DayRange | None = None) -> Report:
    """Enqueue a report after checking its request. `as_of` defaults to the newest poll now and a naive
    `as_of` is read as UTC; `store_ids` must all have polls; `days` (rule 12) span at most MAX_DAYS local dates.
    A report needing polls that retention dropped is refused."""
    if days is not None and not 1 <= days.count <= MAX_DAYS:
        raise InvalidReportRequest(f"days must run from a date to the same or a later one, at most {MAX_DAYS} "
                                   f"dates; got {days.first} to {days.last}")
    ids = None if store_ids is None else clean_store_ids(store_ids)
    if ids is not None:
        unknown = await manager.unknown_store_ids(ids)
        if unknown:
            shown = ", ".join(repr(s) for s in unknown[:_SHOWN_UNKNOWN])
            more = f" and {len(unknown) - _SHOWN_UNKNOWN:,} more" if len(unknown) > _SHOWN_UNKNOWN else ""
            raise InvalidReportRequest(f"unknown store ids (no polls loaded for them): {shown}{more}")
    if as_of is None:
        async with manager.pool.acquire() as conn:
            as_of = await newest_poll(conn)
        if as_of is None:
            raise InvalidReportRequest("no polls have been loaded yet: load data with `python -m app ingest` first")
    else:
        as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
        if not await manager.has_polls_until(as_of):
            raise InvalidReportRequest(f"no polls at or before as_of {as_of.isoformat()}: the report would be empty")
    await _check_retention(manager, as_of, days)
    return await manager.enqueue(as_of, ReportParameters(store_ids=ids, days=days))


async def _check_retention(manager: ReportManager, as_of: datetime, days: DayRange | None) -> None:
    kept_from = await manager.polls_kept_from()
    if kept_from is None:
        return
    if as_of - WEEK < kept_from:
        raise InvalidReportRequest(
            f"the report's week starts at {(as_of - WEEK).isoformat()}, before {kept_from.isoformat()}, where the "
            "polls kept by retention begin: choose an as_of at least 7 days after it")
    if days is not None and datetime.combine(days.first, time(), UTC) - timedelta(days=1) < kept_from:
        raise InvalidReportRequest(
            f"days from {days.first} reach before {kept_from.isoformat()}, where the polls kept by retention begin")


async def cancel_report(manager: ReportManager, report_id: uuid.UUID) -> Report:
    cancelled = await manager.cancel(report_id)
    if cancelled is not None:
        return cancelled
    report = await manager.get(report_id)
    if report is None:
        raise ReportNotFound(REPORT_NOT_FOUND)
    raise ReportNotCancellable(f"the report is already {report.status}; only a queued or running report can be "
                               "cancelled")
