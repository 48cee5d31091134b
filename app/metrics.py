"""The service's Prometheus metrics (prometheus-client), served by `GET /metrics` (admin key).

Two kinds:
* Counters and histograms this process updates as things happen, module-level objects any layer may import and
  increment: HTTP requests (app/api/middleware.py), polls received and poll rows rejected (`POST /polls`).
* Figures read from the database at each scrape, because any process (the API's embedded worker, `python -m app
  worker` elsewhere, `ingest`) changes them: reports by state and their run times, the queue, live workers, the
  status change summary's staleness. `render` takes them as metric families built by the caller.

Names follow Prometheus's guide: base units in the name (`_seconds`), counters end in `_total`, labels have a few
bounded values (route templates, never raw paths or store ids).

Incrementing the poll counters from a route, for example:

    from app import metrics

    metrics.POLLS_RECEIVED.inc(len(rows))
    metrics.POLL_ROWS_REJECTED.labels(reason=metrics.REJECT_OUTSIDE_TENANT).inc(outside)
"""

from collections.abc import Iterable, Iterator

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
disable_created_metrics()  # no `_created` series beside every counter: they only say when this process started

# --- polls (POST /polls) ---------------------------------------------------------------------------------------
POLLS_RECEIVED = Counter(
    "storepulse_polls_received_total",
    "Poll rows received through the API, accepted or not.",
)
# The reasons a poll row is refused; keep the label's values to this short list.
REJECT_OUTSIDE_TENANT = "outside_tenant"  # a store that is not the key's tenant's
REJECT_INVALID = "invalid"  # a row that does not parse or check (status, timestamp, store id)
REJECT_REASONS = (REJECT_OUTSIDE_TENANT, REJECT_INVALID)
POLL_ROWS_REJECTED = Counter(
    "storepulse_poll_rows_rejected_total",
    "Poll rows received through the API and refused, by reason.",
    ["reason"],
)
for _reason in REJECT_REASONS:
    POLL_ROWS_REJECTED.labels(reason=_reason)  # listed at 0 from the start

# --- webhooks (the deliverer, in workers) ----------------------------------------------------------------------
WEBHOOK_OUTCOMES = ("delivered", "retried", "failed")  # failed: given up after WEBHOOK_MAX_ATTEMPTS
WEBHOOK_DELIVERIES = Counter(
    "storepulse_webhook_deliveries_total",
    "Webhook delivery attempts this process made, by outcome.",
    ["outcome"],
)
for _outcome in WEBHOOK_OUTCOMES:
    WEBHOOK_DELIVERIES.labels(outcome=_outcome)

# --- HTTP ----------------------------------------------------------------------------------------------------
UNMATCHED_ROUTE = "unmatched"  # requests no route matched (404s of unknown paths)
HTTP_REQUESTS = Counter(
    "storepulse_http_requests_total",
    "HTTP requests answered, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "storepulse_http_request_duration_seconds",
    "Time from a request's arrival to its response's last byte, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

# --- report run times (read from the database) ------------------------------------------------------------------
REPORT_DURATION_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


class _Families(Collector):
    def __init__(self, families: Iterable[Metric]):
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def render(scraped: Iterable[Metric] = ()) -> bytes:
    """The text exposition of this process's metrics followed by the families read at this scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families(scraped))
    return generate_latest(REGISTRY) + generate_latest(registry)
