"""End to end over real HTTP: uvicorn on a free port, its embedded worker, the real report engine, a sample loaded
through ingest; every CSV is compared with the reference model's (tests/support/model.py) on the same rows."""

import asyncio
import uuid
from datetime import datetime, timedelta

import pytest

from app.db.models import ReportState
from tests.support.api import ApiServer, load_sample, model_csv, wait_for_report, wait_for_row
from tests.support.locks import reports_blocked
from tests.support.wait import wait_until

SAMPLE_STORES = 200


@pytest.fixture
def sample_settings(db_settings):
    load_sample(db_settings, SAMPLE_STORES)
    return db_settings.model_copy(update={"lease_seconds": 5})


def assert_csv_response(response, report_id: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-report-status"] == "Complete"
    assert response.headers["content-disposition"] == f'attachment; filename="report_{report_id}.csv"'
    assert response.headers["transfer-encoding"] == "chunked"  # streamed, not sent as one body


async def test_a_full_report_over_http_matches_the_model(sample_settings, conn):
    with ApiServer(sample_settings) as server:
        async with server.client() as client:
            trigger = await client.post("/trigger_report")
            assert trigger.status_code == 202
            report_id = trigger.json()["report_id"]
            response = await wait_for_report(client, report_id)
            query_response = await client.get("/get_report", params={"report_id": report_id})
            report = (await client.get(f"/reports/{report_id}")).json()
    assert_csv_response(response, report_id)
    as_of = datetime.fromisoformat(report["as_of"])
    assert as_of == await conn.fetchval("select max(timestamp_utc) from store_status")
    expected = await model_csv(conn, as_of)
    assert response.text == expected
    assert query_response.text == expected
    rows = expected.count("\n") - 1
    assert rows >= SAMPLE_STORES
    assert (report["status"], report["row_count"], report["stores_total"], report["stores_done"]) == (
        ReportState.complete, rows, rows, rows)
    assert report["attempts"] == 1 and report["error"] is None


async def test_two_reports_run_at_once_and_both_match_the_model(sample_settings, conn):
    settings = sample_settings.model_copy(update={"worker_concurrency": 2})
    newest = await conn.fetchval("select max(timestamp_utc) from store_status")
    earlier = newest - timedelta(days=2, minutes=17, seconds=3)
    with ApiServer(settings) as server:
        async with server.client() as client:
            async with reports_blocked(settings):
                triggers = await asyncio.gather(
                    client.post("/trigger_report"), client.post("/trigger_report", json={"as_of": earlier.isoformat()}))
                ids = [t.json()["report_id"] for t in triggers]
                for report_id in ids:  # both claimed and started before either can finish
                    await wait_for_row(conn, report_id, lambda r: r["status"] == "running" and r["stores_total"])
                    polled = await client.get(f"/get_report/{report_id}")
                    assert polled.status_code == 202
                    assert polled.json()["progress"]["stores_total"] > SAMPLE_STORES // 2
            responses = await asyncio.gather(*(wait_for_report(client, i) for i in ids))
    for report_id, response, as_of in zip(ids, responses, (newest, earlier)):
        assert_csv_response(response, report_id)
        assert response.text == await model_csv(conn, as_of)


async def test_cancelling_a_running_report_stops_it_and_deletes_its_rows(sample_settings, conn):
    settings = sample_settings.model_copy(update={"lease_seconds": 2})
    with ApiServer(settings) as server:
        async with server.client() as client:
            async with reports_blocked(settings):
                report_id = (await client.post("/trigger_report")).json()["report_id"]
                await wait_for_row(conn, report_id, lambda r: r["status"] == "running")
                cancelled = await client.post(f"/reports/{report_id}/cancel")
                assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
                # The worker's next heartbeat (every lease / 3) sees the cancel and stops the shards' queries,
                # which are waiting on the lock: once they are gone, the run has stopped.
                await wait_until(lambda: conn.fetchval(
                    "select not exists (select from pg_stat_activity where datname = current_database() "
                    "and query like '%report_row%' and state = 'active' and pid <> pg_backend_pid())"),
                    message="the cancelled report's queries stop")
            response = await client.get(f"/get_report/{report_id}")
            later = await client.post("/trigger_report")  # the worker is free again
            assert (await wait_for_report(client, later.json()["report_id"])).status_code == 200
    assert response.status_code == 410
    assert response.json() == {"status": "Cancelled", "error": "the report was cancelled"}
    assert await conn.fetchval("select count(*) from report_row where report_id = $1", uuid.UUID(report_id)) == 0
    assert await conn.fetchval("select count(*) from report_shard where report_id = $1", uuid.UUID(report_id)) == 0
    assert (await conn.fetchrow("select status from report where id = $1", uuid.UUID(report_id)))["status"] == (
        "cancelled")


async def test_store_filters_match_the_model(sample_settings, conn):
    stores = [r["store_id"] for r in await conn.fetch(
        "select store_id from store_status group by store_id order by store_id collate \"C\" limit 30")]
    wanted = stores[::3]
    newest = await conn.fetchval("select max(timestamp_utc) from store_status")
    as_of = newest - timedelta(hours=30, minutes=1)
    with ApiServer(sample_settings) as server:
        async with server.client() as client:
            several = (await client.post("/trigger_report", json={"store_ids": wanted, "as_of": as_of.isoformat()}))
            one = await client.post(f"/trigger_report/{stores[1]}")
            several_csv, one_csv = await asyncio.gather(wait_for_report(client, several.json()["report_id"]),
                                                        wait_for_report(client, one.json()["report_id"]))
    assert several_csv.text == await model_csv(conn, as_of, wanted)
    assert one_csv.text == await model_csv(conn, newest, [stores[1]])
    assert one_csv.text.count("\n") == 2


async def test_a_report_that_keeps_failing_ends_failed_with_its_reason(sample_settings, conn):
    settings = sample_settings.model_copy(update={"max_attempts": 2})
    await conn.execute("alter table store_timezone rename to store_timezone_gone")  # every run of the engine fails
    with ApiServer(settings) as server:
        async with server.client() as client:
            report_id = (await client.post("/trigger_report")).json()["report_id"]
            response = await wait_for_report(client, report_id)
            report = (await client.get(f"/reports/{report_id}")).json()
    assert response.status_code == 410
    body = response.json()
    assert body["status"] == "Failed"
    assert body["error"].startswith("failed after 2 attempt(s): ") and "store_timezone" in body["error"]
    assert report["status"] == "failed" and report["attempts"] == 2 and report["error"] == body["error"]
    assert report["row_count"] is None and report["finished_at"] is not None
    # Every run failed before any shard could commit: nothing of the report is stored.
    report_uuid = uuid.UUID(report_id)
    assert await conn.fetchval("select count(*) from report_row where report_id = $1", report_uuid) == 0
    assert await conn.fetchval("select count(*) from report_shard where report_id = $1 and finished_at is not null",
                               report_uuid) == 0
