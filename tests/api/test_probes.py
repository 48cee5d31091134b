"""Health and metrics: /healthz (the process answers), /readyz (database, schema, a live worker; 503 with the reasons
otherwise), both without a key; /metrics in Prometheus's format for admin keys, with Prometheus's naming."""

import re

import asyncpg
from prometheus_client.parser import text_string_to_metric_families

from app import metrics
from app.db.queries import queries
from tests.support.api import ApiServer, sample_rows, wait_for_report, wait_for_row
from tests.support.reports import load_rows
from tests.support.wait import wait_until

SAMPLE_STORES = 20


async def wait_ready(client, timeout: float = 30.0):
    async def ready():
        response = await client.get("/readyz")
        return response if response.status_code == 200 else None

    return await wait_until(ready, timeout, "/readyz answers 200", interval=0.1)


async def test_healthz_and_readyz_need_no_key_and_say_ready(db_settings, conn):
    with ApiServer(db_settings) as server:
        async with server.client(key=None) as client:
            health = await client.get("/healthz")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
            ready = await wait_ready(client)
            assert ready.json() == {"status": "ready", "reasons": [], "database": True, "schema_current": True,
                                    "workers_alive": 1}
            assert await conn.fetchval("select count(*) from worker_heartbeat") == 1
    # A worker that stops signs off.
    assert await conn.fetchval("select count(*) from worker_heartbeat") == 0


async def test_readyz_without_a_worker_or_with_an_old_schema_is_503_with_the_reason(db_settings, conn):
    settings = db_settings.model_copy(update={"embedded_worker": False})
    with ApiServer(settings) as server:
        async with server.client(key=None) as client:
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json() == {
                "status": "not ready", "database": True, "schema_current": True, "workers_alive": 0,
                "reasons": [f"no report worker was seen in the last {settings.lease_seconds} s: start one "
                            "(`python -m app worker`, or `serve` without --no-worker)"]}
            # A worker elsewhere beats: ready.
            await conn.execute("insert into worker_heartbeat (worker_id) values ('elsewhere:1')")
            assert (await client.get("/readyz")).status_code == 200
            await conn.execute("update worker_heartbeat set seen_at = now() - interval '1 hour'")
            assert (await client.get("/readyz")).status_code == 503
            # A function file the database has not applied: the schema is not current.
            path = await conn.fetchval("select min(path) from schema_function")
            await conn.execute("update schema_function set checksum = 'old' where path = $1", path)
            response = await client.get("/readyz")
            assert response.status_code == 503
            body = response.json()
            assert body["schema_current"] is False and body["database"] is True
            assert body["reasons"] == [f"the database schema is not current (functions/{path} not applied): run "
                                       "`python -m app db migrate`"]


def _families(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


async def test_metrics_for_admin_keys_in_prometheus_format(db_settings, conn):
    await load_rows(conn, *sample_rows(SAMPLE_STORES))
    with ApiServer(db_settings) as server:
        async with server.client() as client:
            report_id = (await client.post("/trigger_report")).json()["report_id"]
            assert (await wait_for_report(client, report_id)).status_code == 200
            await wait_for_row(conn, report_id, lambda r: r["status"] == "complete")
            await client.get(f"/reports/{report_id}")
            await client.get("/reports/not-a-report")
            await client.get("/no/such/path")
            await client.post("/trigger_report", json={"as_of": "2001-01-01T00:00:00Z"})  # 422
            await conn.execute("insert into report (status, as_of, queued_at) "
                               "values ('queued', now(), now() - interval '90 seconds')")
            metrics.POLLS_RECEIVED.inc(3)  # as POST /polls will
            metrics.POLL_ROWS_REJECTED.labels(reason=metrics.REJECT_OUTSIDE_TENANT).inc()
            response = await client.get("/metrics")
            async with server.client(key=None) as anonymous:
                assert (await anonymous.get("/metrics")).status_code == 401
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.text
    families = _families(text)
    reports = {s.labels["state"]: s.value for s in families["storepulse_reports"].samples}
    assert reports == {"queued": 1, "running": 0, "complete": 1, "failed": 0, "cancelled": 0}
    durations = {(s.name, s.labels.get("state"), s.labels.get("le")): s.value
                 for s in families["storepulse_report_duration_seconds"].samples}
    assert durations[("storepulse_report_duration_seconds_count", "complete", None)] == 1
    assert durations[("storepulse_report_duration_seconds_bucket", "complete", "+Inf")] == 1
    assert durations[("storepulse_report_duration_seconds_count", "failed", None)] == 0
    assert families["storepulse_report_queue_depth"].samples[0].value == 1
    assert 89 < families["storepulse_report_queue_oldest_age_seconds"].samples[0].value < 300
    assert families["storepulse_workers_alive"].samples[0].value == 1
    for name in ("storepulse_summary_stale_chunks", "storepulse_summary_pending_writes",
                 "storepulse_summary_oldest_pending_write_age_seconds"):
        assert families[name].type == "gauge" and len(families[name].samples) == 1
    assert families["storepulse_polls_received"].type == "counter"
    assert families["storepulse_polls_received"].samples[0].value >= 3
    rejected = {s.labels["reason"]: s.value for s in families["storepulse_poll_rows_rejected"].samples}
    assert set(rejected) == set(metrics.REJECT_REASONS) and rejected["outside_tenant"] >= 1
    requests = {(s.labels["route"], s.labels["method"], s.labels["status"])
                for s in families["storepulse_http_requests"].samples}
    assert {("/trigger_report", "POST", "202"), ("/trigger_report", "POST", "422"),
            ("/get_report/{report_id}", "GET", "200"), ("/reports/{report_id}", "GET", "200"),
            ("/reports/{report_id}", "GET", "404"), ("unmatched", "GET", "404")} <= requests
    assert "storepulse_http_request_duration_seconds_bucket" in text
    # Prometheus's naming: counters end in _total, durations in seconds; no raw ids in any label.
    assert re.search(r"^storepulse_http_requests_total\{", text, re.M)
    assert report_id not in text and "not-a-report" not in text and "/no/such/path" not in text
    assert all(f.type != "counter" or f.samples[0].name.endswith("_total")
               for f in families.values() if f.name.startswith("storepulse_"))


async def test_a_worker_heartbeat_row_ages_out(db_settings):
    conn = await asyncpg.connect(db_settings.dsn())
    try:
        await conn.execute("insert into worker_heartbeat (worker_id, seen_at) values ('gone:1', now() - "
                           "interval '2 days')")
        await conn.execute(queries["worker_seen"], "me:1")
        assert [r["worker_id"] for r in await conn.fetch("select worker_id from worker_heartbeat")] == ["me:1"]
    finally:
        await conn.close()
