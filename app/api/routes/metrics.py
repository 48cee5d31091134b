"""`GET /metrics` (admin key): this process's counters (app/metrics.py) and figures read from the database at the
scrape (reports, queue, workers, summary staleness), in Prometheus's text format."""

from collections.abc import Iterator

import asyncpg
from fastapi import APIRouter, Request, Response
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.metrics_core import Metric

from app import metrics
from app.alerts.rules import alert_stats
from app.api.auth import AdminCaller
from app.api.deps import ManagerDep
from app.api.responses import AUTH, Responses, responses
from app.db.models import ReportState
from app.jobs.manager import QueueStats, ReportManager, RunBucket
from app.summary.staleness import Staleness, summary_staleness

router = APIRouter(tags=["metrics"])

_FINISHED = (ReportState.complete, ReportState.failed, ReportState.cancelled)


def _run_histogram(buckets: list[RunBucket]) -> Metric:
    family = HistogramMetricFamily("storepulse_report_duration_seconds",
                                   "Run time (start to finish) of the finished reports the report table holds, by "
                                   "final state.", labels=["state"])
    bounds = metrics.REPORT_DURATION_BUCKETS
    for state in _FINISHED:
        mine = [b for b in buckets if b.state is state]
        per_bucket = [0] * (len(bounds) + 1)  # width_bucket: 0 below the first bound .. len(bounds) above the last
        for b in mine:
            per_bucket[b.bucket] += b.reports
        cumulative, running = [], 0
        for bound, count in zip(bounds, per_bucket):
            running += count
            cumulative.append((f"{bound:g}", running))
        cumulative.append(("+Inf", running + per_bucket[-1]))
        family.add_metric([state.value], cumulative, sum_value=sum(b.seconds for b in mine))
    return family


def _gauge(name: str, documentation: str, value: float | None) -> Metric:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], float("nan") if value is None else value)
    return family


def _families(by_state: dict[ReportState, int], runs: list[RunBucket], queue: QueueStats, workers: int,
              summary: Staleness, alerts: asyncpg.Record) -> Iterator[Metric]:
    reports = GaugeMetricFamily("storepulse_reports", "Reports the report table holds, by state.", labels=["state"])
    for state in ReportState:
        reports.add_metric([state.value], by_state.get(state, 0))
    yield reports
    yield _run_histogram(runs)
    yield _gauge("storepulse_report_queue_depth", "Reports queued, waiting for a worker.", queue.queued)
    yield _gauge("storepulse_report_queue_oldest_age_seconds",
                 "Age of the oldest queued report (0 when none is queued).", queue.oldest_age_seconds or 0.0)
    yield _gauge("storepulse_workers_alive", "Report workers seen within a lease.", workers)
    yield _gauge("storepulse_summary_stale_chunks",
                 "Chunks of polls whose status change summary a report would have to redo first.", summary.stale_chunks)
    yield _gauge("storepulse_summary_pending_writes",
                 "Writes to the polls the status change summary has not taken in yet.", summary.pending_writes)
    yield _gauge("storepulse_summary_oldest_pending_write_age_seconds",
                 "Age of the oldest write the summary has not taken in (0 when none).",
                 summary.oldest_pending_write_age_seconds or 0.0)
    yield _gauge("storepulse_incidents_open", "Incidents open (not resolved yet), all tenants.",
                 alerts["open_incidents"])
    yield _gauge("storepulse_webhook_events_pending", "Webhook events waiting for delivery (due or backing off).",
                 alerts["pending"])
    yield _gauge("storepulse_webhook_events_failed",
                 "Webhook events given up on after WEBHOOK_MAX_ATTEMPTS tries (the web page lists them).",
                 alerts["failed"])


async def scrape(manager: ReportManager, lease_seconds: float) -> list[Metric]:
    async with manager.pool.acquire() as conn:
        alerts = await alert_stats(conn)
    return list(_families(await manager.reports_by_state(), await manager.run_buckets(metrics.REPORT_DURATION_BUCKETS),
                          await manager.queue_stats(), await manager.workers_alive(lease_seconds),
                          await summary_staleness(manager.pool), alerts))


_METRICS_RESPONSES: Responses = {
    200: {"content": {"text/plain": {"schema": {"type": "string"}}},
          "description": "Prometheus's text exposition format (version 0.0.4)"},
    **responses(AUTH),
}


@router.get("/metrics", response_class=Response, responses=_METRICS_RESPONSES)
async def prometheus_metrics(request: Request, _: AdminCaller, manager: ManagerDep) -> Response:
    """Reports by state and their run times, the queue's depth and oldest age, live workers, the status change
    summary's staleness, polls received and rows rejected, open incidents and webhook deliveries (pending, failed, by
    outcome), HTTP requests by route and status. Needs an admin key."""
    scraped = await scrape(manager, request.app.state.settings.lease_seconds)
    return Response(metrics.render(scraped), media_type=metrics.CONTENT_TYPE)
