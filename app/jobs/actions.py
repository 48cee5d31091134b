"""What a client can do with reports, with the checks that go with it: shared by the API and the command line."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from app.db.models import Report
from app.errors import (
    InvalidReportRequest,
    ReportNotCancellable,
    ReportNotDeletable,
    ReportNotFound,
    TooManyReports,
)
from app.jobs.manager import ReportManager, Submitted
from app.report.engine import newest_poll
from app.report.parameters import MAX_DAYS, DayRange, ReportParameters, store_id_problem

# A report for a list of stores carries the list in its parameters; a request may name at most this many ids (beyond
# them, report every store). A tenant's list of its stores, read from the database, may be longer.
MAX_STORE_IDS = 10_000
_SHOWN_UNKNOWN = 10
REPORT_NOT_FOUND = "Report not found"  # the API's 404 detail, word for word
WEEK = timedelta(days=7)
# What a key at its limit is told to wait before triggering again: about what a full report takes here.
LIMIT_RETRY_AFTER_SECONDS = 5
# The instants a report may be asked for: beyond these, `as_of` is surely a mistake (and may not convert to UTC).
EARLIEST_AS_OF = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_AS_OF = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ReportOwner:
    """Who a report is for: the tenant whose keys see it (None: admin keys only) and the key that triggered it
    (None: the command line), with the most reports that key may have queued or running (None: no limit)."""

    tenant_id: int | None = None
    api_key_id: int | None = None
    max_active: int | None = None


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
    for store_id in unique:
        if (problem := store_id_problem(store_id)) is not None:
            raise InvalidReportRequest(f"the store id {_shown(store_id)} {problem}")
    return unique


def _shown(store_id: str) -> str:
    return repr(store_id if len(store_id) <= 40 else store_id[:40] + "…")


def check_as_of(as_of: datetime) -> datetime:
    """A naive `as_of` is UTC; one outside 1900-9000 is refused."""
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    if not EARLIEST_AS_OF <= as_of.replace(tzinfo=None).replace(tzinfo=UTC) <= LATEST_AS_OF:
        raise InvalidReportRequest(f"as_of {as_of.isoformat()} is outside the years 1900 to 9000")
    return as_of


async def submit_report(manager: ReportManager, as_of: datetime | None = None,
                        store_ids: Sequence[str] | None = None, days: DayRange | None = None, *,
                        owner: ReportOwner | None = None, ids_have_polls: bool = False) -> Submitted:
    """Enqueue a report after checking its request, unless an identical one of the same tenant is queued or running
    (then that one). `as_of` defaults to the newest poll now and a naive `as_of` is read as UTC; `store_ids` must
    all have polls (`ids_have_polls`: they are known to, such as a tenant's stores with polls, any number of them);
    `days` (rule 12) span at most MAX_DAYS local dates. A report needing polls that retention dropped is refused; a
    key at its limit of reports queued or running gets TooManyReports."""
    if days is not None and not 1 <= days.count <= MAX_DAYS:
        raise InvalidReportRequest(f"days must run from a date to the same or a later one, at most {MAX_DAYS} "
                                   f"dates; got {days.first} to {days.last}")
    owner = owner or ReportOwner()
    if ids_have_polls and store_ids is not None:
        ids: list[str] | None = list(dict.fromkeys(store_ids))
    else:
        ids = None if store_ids is None else clean_store_ids(store_ids)
    if ids is not None and not ids_have_polls:
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
        as_of = check_as_of(as_of)
        if not await manager.has_polls_until(as_of):
            raise InvalidReportRequest(f"no polls at or before as_of {as_of.isoformat()}: the report would be empty")
    await _check_retention(manager, as_of, days)
    submitted = await manager.submit(as_of, ReportParameters(store_ids=ids, days=days), tenant_id=owner.tenant_id,
                                     api_key_id=owner.api_key_id, max_active=owner.max_active)
    if submitted.report is None:
        raise TooManyReports(
            f"this key has {submitted.active} reports queued or running, the most it may have at once "
            f"(REPORTS_PER_KEY = {owner.max_active}): wait for one to finish, or cancel one",
            limit=owner.max_active or 0, retry_after_seconds=LIMIT_RETRY_AFTER_SECONDS)
    return submitted


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


async def delete_report(manager: ReportManager, report_id: uuid.UUID) -> Report:
    """Delete a finished report with its rows."""
    deleted = await manager.delete_finished(report_id)
    if deleted is not None:
        return deleted
    report = await manager.get(report_id)
    if report is None:
        raise ReportNotFound(REPORT_NOT_FOUND)
    raise ReportNotDeletable(f"the report is {report.status}: cancel it first (POST /reports/{{id}}/cancel), then "
                             "delete it")
