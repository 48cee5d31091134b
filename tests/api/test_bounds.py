"""Bounded bodies and parameters: what the fuzzer found (a 500 on a huge offset, undocumented 400s for bodies that
are not JSON, an OPTIONS answer missing DELETE) and its neighbours, each answered with a documented status and a
message that says what is wrong."""

import asyncio
from datetime import UTC, datetime

import asyncpg
import pytest

from tests.support.api import ApiServer

MAX_BODY = 2_048


async def _seed(settings) -> None:
    conn = await asyncpg.connect(settings.dsn())
    try:
        await conn.execute("insert into store_status values ('s1', 'active', $1)", datetime(2024, 3, 14, tzinfo=UTC))
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def client(pg_server):
    with pg_server.database("t_bounds") as settings:
        settings = settings.model_copy(update={"embedded_worker": False, "max_body_bytes": MAX_BODY,
                                               "reports_per_key": 1_000})
        asyncio.run(_seed(settings))
        with ApiServer(settings) as server, server.sync_client() as http:
            yield http


def detail(response) -> str:
    return response.json()["detail"]


def test_the_fuzzers_500_is_a_422(client):
    response = client.get("/reports?limit=104&offset=6402373705727999")
    assert response.status_code == 422
    assert "query.offset: Input should be less than or equal to 1000000" in detail(response)


@pytest.mark.parametrize(("body", "content_type", "phrase"), [
    (b'{"as_of": ', "application/json", "JSON decode error"),
    (b'{"as_of": "\xff"}', "application/json", "body: not a JSON document (UnicodeDecodeError"),
    (b'{"as_of": "2024-03-14T00:00:00Z"', "application/json", "JSON decode error"),
    (b"[1, 2", "application/vnd.api+json", "JSON decode error"),
    (b"as_of=today", "application/x-www-form-urlencoded", "body: Input should be a valid dictionary"),
    (b"null\x00", "application/json", "JSON decode error"),
])
def test_a_body_that_is_not_json_is_a_documented_422(client, body, content_type, phrase):
    response = client.post("/trigger_report", content=body, headers={"content-type": content_type})
    assert response.status_code == 422, response.text
    assert phrase in detail(response)
    assert isinstance(response.json()["errors"], list)


def test_a_body_over_the_limit_is_413_saying_the_limit(client):
    ids = [f"store-{i:06d}" for i in range(300)]
    response = client.post("/trigger_report", json={"store_ids": ids})
    assert response.status_code == 413
    assert f"at most {MAX_BODY:,} bytes are accepted (MAX_BODY_BYTES)" in detail(response)
    assert "has 4,5" in detail(response)  # its size, from Content-Length

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"store_ids": ['
        for i in range(300):
            yield f'"store-{i:06d}",'.encode()
        yield b'"s1"]}'
    streamed = client.post("/trigger_report", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413
    assert "the request body is longer; at most 2,048 bytes" in detail(streamed)


@pytest.mark.parametrize(("body", "phrase"), [
    ({"store_ids": ["s1\x00"]}, "the store id 's1\\x00' contains a NUL character"),
    ({"store_ids": ["x" * 256]}, "store_ids.0: String should have at most 255 characters"),
    ({"store_ids": [""]}, "store_ids.0: String should have at least 1 character"),
    ({"as_of": "0001-01-01T00:00:00+14:00"}, "is outside the years 1900 to 9000"),
    ({"as_of": "9999-12-31T23:59:59-12:00"}, "is outside the years 1900 to 9000"),
    ({"as_of": "2024-03-14T00:00:00Z", "extra": 1}, "extra: Extra inputs are not permitted"),
])
def test_odd_values_are_422_naming_the_problem(client, body, phrase):
    response = client.post("/trigger_report", json=body)
    assert response.status_code == 422, response.text
    assert phrase in detail(response)


@pytest.mark.parametrize(("path", "phrase"), [
    ("/trigger_report/" + "x" * 256, "path.store_id: String should have at most 255 characters"),
    ("/trigger_report/s%001", "the store id 's\\x001' contains a NUL character"),
    ("/trigger_report/%20", "store_ids contains a blank id"),
])
def test_odd_store_ids_in_the_path(client, path, phrase):
    response = client.post(path)
    assert response.status_code == 422, response.text
    assert phrase in detail(response)


@pytest.mark.parametrize(("path", "allowed"), [
    ("/reports/00000000-0000-0000-0000-000000000000", "GET, DELETE, OPTIONS"),
    ("/reports/00000000-0000-0000-0000-000000000000/cancel", "POST, OPTIONS"),
    ("/reports", "GET, OPTIONS"),
    ("/trigger_report", "POST, OPTIONS"),
    ("/metrics", "GET, OPTIONS"),
    ("/openapi.json", "GET, HEAD, OPTIONS"),
    ("/signin", "GET, POST, OPTIONS"),
    ("/static/app.js", "GET, HEAD, OPTIONS"),
])
def test_options_and_405_list_every_method_of_the_path(client, path, allowed):
    options = client.options(path)
    assert (options.status_code, options.headers["allow"]) == (204, allowed)
    response = client.request("PATCH", path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert detail(response) == f"PATCH is not allowed here; allowed: {allowed}"


def test_an_unknown_path_is_a_json_404(client):
    response = client.get("/nothing/here")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    assert client.options("/nothing/here").status_code == 404


def test_every_documented_status_has_a_schema(client):
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                content = response.get("content")
                if status == "204":
                    assert content is None, (method, path)
                    continue
                assert content, (method, path, status)
                assert all("schema" in media for media in content.values()), (method, path, status)
            if operation.get("security"):
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
            if "requestBody" in operation:
                assert {"413", "422"} <= set(operation["responses"]), (method, path)
    assert spec["paths"]["/trigger_report"]["post"]["responses"]["429"]["headers"]["Retry-After"]["required"]
