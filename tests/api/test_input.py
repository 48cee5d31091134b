"""Every endpoint parameter, given bad input over real HTTP: the status code and a message that says what is wrong.
Also the good-input shapes (defaults, ids, pagination). No worker runs here, so reports stay queued."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from tests.support.api import ApiServer

NEWEST_POLL = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
STORES = ["s1", "s2", "1234567890123456789"]


async def _seed(settings) -> str:
    conn = await asyncpg.connect(settings.dsn())
    try:
        await conn.executemany("insert into store_status values ($1, 'active', $2)",
                               [(s, NEWEST_POLL - timedelta(hours=i)) for i, s in enumerate(STORES)])
        return str(await conn.fetchval("insert into report (status, as_of) values ('complete', $1) returning id",
                                       NEWEST_POLL))
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def api(pg_server):
    """One server on one seeded database for the whole module: (client, id of a complete report)."""
    with pg_server.database("t_api") as settings:
        # No worker: reports stay queued, so the per-key limit is lifted here (tests/api/test_access.py tests it).
        settings = settings.model_copy(update={"embedded_worker": False, "reports_per_key": 10_000})
        complete_id = asyncio.run(_seed(settings))
        with ApiServer(settings) as server, server.sync_client() as client:
            yield client, complete_id


@pytest.fixture
def client(api) -> httpx.Client:
    return api[0]


def assert_problem(response: httpx.Response, status: int, *phrases: str) -> None:
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    for phrase in phrases:
        assert phrase in detail, f"{phrase!r} not in {detail!r}"


# --- POST /trigger_report ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "phrases"), [
    ({"as_of": "yesterday"}, ["as_of", "valid datetime"]),
    ({"as_of": "2024-13-01T00:00:00Z"}, ["as_of"]),
    ({"as_of": 1710417600}, ["as_of", "ISO 8601"]),
    ({"as_of": "2020-01-01T00:00:00Z"}, ["no polls at or before as_of 2020-01-01"]),
    ({"store_ids": "s1"}, ["store_ids", "valid list"]),
    ({"store_ids": [1]}, ["store_ids.0", "valid string"]),
    ({"store_ids": [1234567890123456789]}, ["store_ids.0", "valid string"]),
    ({"store_ids": []}, ["store_ids", "at least 1"]),
    ({"store_ids": ["s1", " "]}, ["store_ids contains a blank id"]),
    ({"store_ids": ["s1", "nope", "s 2"]}, ["unknown store ids", "'nope', 's 2'"]),
    ({"store_ids": [f"x{i}" for i in range(10_001)]}, ["store_ids", "at most 10000"]),
    ({"store_ids": ["s1"], "storeIds": ["s2"]}, ["storeIds", "Extra inputs are not permitted"]),
    (["s1"], ["body", "valid dictionary"]),
])
def test_trigger_refuses_bad_input(client, body, phrases):
    assert_problem(client.post("/trigger_report", json=body), 422, *phrases)


def test_trigger_refuses_malformed_json(client):
    response = client.post("/trigger_report", content=b'{"as_of": ', headers={"content-type": "application/json"})
    assert_problem(response, 422, "JSON")


def test_trigger_lists_at_most_ten_unknown_ids(client):
    response = client.post("/trigger_report", json={"store_ids": [f"nope{i}" for i in range(25)]})
    assert_problem(response, 422, "'nope9' and 15 more")


def test_trigger_without_a_body_reports_every_store_as_of_the_newest_poll(client):
    for response in (client.post("/trigger_report"), client.post("/trigger_report", json={})):
        assert response.status_code == 202
        report = client.get(f"/reports/{response.json()['report_id']}").json()
        assert report["status"] == "queued"
        assert datetime.fromisoformat(report["as_of"]) == NEWEST_POLL
        assert report["parameters"] == {}


def test_trigger_keeps_ids_once_and_reads_a_naive_as_of_as_utc(client):
    response = client.post("/trigger_report", json={"as_of": "2024-03-14T11:30:00",
                                                    "store_ids": ["s2", "s1", "s2"]})
    assert response.status_code == 202
    report = client.get(f"/reports/{response.json()['report_id']}").json()
    assert datetime.fromisoformat(report["as_of"]) == datetime(2024, 3, 14, 11, 30, tzinfo=UTC)
    assert report["parameters"] == {"store_ids": ["s2", "s1"]}


# --- POST /trigger_report/{store_id} ---------------------------------------------------------------------------

@pytest.mark.parametrize(("store_id", "body", "phrases"), [
    ("nope", None, ["unknown store ids", "'nope'"]),
    ("%20", None, ["blank id"]),
    ("s1", {"as_of": "noon"}, ["as_of", "valid datetime"]),
    ("s1", {"as_of": "2020-01-01T00:00:00+01:00"}, ["no polls at or before as_of"]),
    ("s1", {"store_ids": ["s2"]}, ["store_ids", "Extra inputs are not permitted"]),
])
def test_trigger_one_store_refuses_bad_input(client, store_id, body, phrases):
    assert_problem(client.post(f"/trigger_report/{store_id}", json=body), 422, *phrases)


def test_trigger_one_store(client):
    response = client.post(f"/trigger_report/{STORES[2]}", json={"as_of": "2024-03-14T12:00:00Z"})
    assert response.status_code == 202
    report = client.get(f"/reports/{response.json()['report_id']}").json()
    assert report["parameters"] == {"store_ids": [STORES[2]]}


# --- GET /get_report -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/get_report/nope", f"/get_report/{uuid.uuid4()}", "/get_report/123",
    "/get_report?report_id=nope", f"/get_report?report_id={uuid.uuid4()}", "/get_report?report_id=",
])
def test_get_report_of_an_unknown_or_malformed_id_is_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Report not found"}


def test_get_report_needs_a_report_id(client):
    assert_problem(client.get("/get_report"), 422, "query.report_id", "Field required")


def test_get_report_of_a_queued_report_is_202_with_progress(client):
    report_id = client.post("/trigger_report").json()["report_id"]
    for path in (f"/get_report/{report_id}", f"/get_report?report_id={report_id}"):
        response = client.get(path)
        assert response.status_code == 202
        assert response.json() == {"status": "Running", "progress": {"stores_done": 0, "stores_total": None}}


# --- GET /reports ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "phrases"), [
    ("limit=0", ["query.limit", "greater than or equal to 1"]),
    ("limit=501", ["query.limit", "less than or equal to 500"]),
    ("limit=ten", ["query.limit", "valid integer"]),
    ("offset=-1", ["query.offset", "greater than or equal to 0"]),
    ("offset=1.5", ["query.offset", "valid integer"]),
])
def test_list_refuses_bad_pagination(client, query, phrases):
    assert_problem(client.get(f"/reports?{query}"), 422, *phrases)


def test_list_pages_most_recent_first(client):
    ids = [client.post("/trigger_report", json={"as_of": f"2024-03-14T11:0{i}:00Z"}).json()["report_id"]
           for i in range(3)]
    page = client.get("/reports?limit=2").json()
    assert [r["id"] for r in page["items"]] == ids[::-1][:2]
    assert (page["limit"], page["offset"], page["next_offset"]) == (2, 0, 2)
    second = client.get("/reports?limit=2&offset=2").json()
    assert second["items"][0]["id"] == ids[0]
    total = len(client.get("/reports?limit=500").json()["items"])
    assert client.get(f"/reports?limit=2&offset={total - 1}").json()["next_offset"] is None


# --- GET /reports/{id}, POST /reports/{id}/cancel, DELETE /reports/{id} ---------------------------------------

@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("DELETE", ""), ("POST", "/cancel")])
@pytest.mark.parametrize("report_id", ["nope", str(uuid.uuid4()), "1"])
def test_metadata_cancel_and_delete_of_an_unknown_or_malformed_id_are_404(client, method, suffix, report_id):
    response = client.request(method, f"/reports/{report_id}{suffix}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Report not found"}


def test_cancel_of_a_finished_report_is_409(client, api):
    complete_id = api[1]
    assert_problem(client.post(f"/reports/{complete_id}/cancel"), 409, "already complete")


def test_cancel_of_a_queued_report(client):
    report_id = client.post("/trigger_report", json={"store_ids": ["s1"]}).json()["report_id"]
    cancelled = client.post(f"/reports/{report_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(f"/get_report/{report_id}").status_code == 410
    assert client.get(f"/get_report/{report_id}").json() == {"status": "Cancelled",
                                                             "error": "the report was cancelled"}
    assert_problem(client.post(f"/reports/{report_id}/cancel"), 409, "already cancelled")


def test_delete_refuses_a_queued_report_and_deletes_a_finished_one_with_its_rows(client, api):
    report_id = client.post("/trigger_report", json={"store_ids": ["s2"]}).json()["report_id"]
    assert_problem(client.delete(f"/reports/{report_id}"), 409, "is queued", "cancel it first")
    assert client.post(f"/reports/{report_id}/cancel").status_code == 200
    deleted = client.delete(f"/reports/{report_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    for path in (f"/reports/{report_id}", f"/get_report/{report_id}"):
        assert client.get(path).status_code == 404
    assert client.delete(f"/reports/{report_id}").status_code == 404


def test_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/trigger_report", "/trigger_report/{store_id}", "/get_report/{report_id}",
                          "/get_report", "/reports", "/reports/{report_id}", "/reports/{report_id}/cancel",
                          "/healthz", "/readyz", "/metrics", "/reports/{report_id}/days",
                          "/reports/{report_id}/outages", "/polls", "/stores/{store_id}/hours", "/alert_rules",
                          "/alert_rules/{rule_id}", "/incidents",
                          "/stores/{store_id}/timezone", "/stores/{store_id}/special_hours/{date_local}"}


# --- no data ---------------------------------------------------------------------------------------------------

def test_trigger_without_any_data_says_so(db_settings):
    settings = db_settings.model_copy(update={"embedded_worker": False})
    with ApiServer(settings) as server, server.sync_client() as client:
        assert_problem(client.post("/trigger_report"), 422, "no polls have been loaded yet", "ingest")
        assert_problem(client.post("/trigger_report", json={"as_of": "2024-03-14T12:00:00Z"}), 422,
                       "no polls at or before")
