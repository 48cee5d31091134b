"""Live intake over HTTP (`POST /polls`): CSV and JSON bodies checked as the loader checks the polls file, good rows
stored when others are rejected, 422 when none is good, idempotence, the limits, and the summary kept current in
proportion so a report right after sees the polls (exactly as the model says); posts while a report runs change
nothing of it (its now is fixed) and nothing is half-visible."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.ingest.intake import MAX_BYTES, MAX_ROWS
from app.summary.refresh import INFINITY, stale_from
from tests.support.api import ApiServer, model_csv, wait_for_report, wait_for_row
from tests.support.locks import reports_blocked

NOW = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
HEADER = "store_id,status,timestamp_utc\n"


def csv_body(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(f"{r}\n" for r in rows)).encode()


@pytest.fixture
def server(db_settings):
    with ApiServer(db_settings.model_copy(update={"embedded_worker": False})) as running:
        yield running


def post_csv(client, body: bytes):
    return client.post("/polls", content=body, headers={"content-type": "text/csv"})


async def test_csv_rows_are_checked_like_the_loader_and_good_rows_stored(server, conn):
    body = csv_body(
        "s1,active,2024-03-14 10:00:00 UTC",
        "s1, Inactive ,2024-03-14T11:00:00Z",          # fixable, as in a file
        "s2,actif,2024-03-14 10:00:00 UTC",            # bad status
        "",                                            # blank: skipped
        ",active,2024-03-14 10:00:00 UTC",             # empty store id
        "s3,active,2024-02-30 10:00:00 UTC",           # no such date
        "s4,active,2024-03-14 10:00:00 UTC,extra",     # wrong column count
        "s5,active,2024-03-14 10:00:00+01:00",         # an offset
        " \t ",                                        # blanks only: skipped
        "s6,active,2024-03-14 10:00:00 UTC\r",         # a CRLF line end
    )
    async with server.client() as client:
        response = await post_csv(client, body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["received"], result["stored"], result["duplicates"]) == (8, 4, 0)
    assert [(r["row"], r["reason"]) for r in result["rejected"]] == [
        (3, "status must be active or inactive, got 'actif'"),
        (5, "empty store_id"),
        (6, "unparseable timestamp_utc '2024-02-30 10:00:00 UTC'"),
        (7, "wrong column count: expected 3, got 4"),
    ]
    stored = await conn.fetch("select store_id, status::text, timestamp_utc from store_status order by 1, 3")
    assert [tuple(r) for r in stored] == [
        ("s1", "active", datetime(2024, 3, 14, 10, tzinfo=UTC)),
        ("s1", "inactive", datetime(2024, 3, 14, 11, tzinfo=UTC)),
        ("s5", "active", datetime(2024, 3, 14, 9, tzinfo=UTC)),
        ("s6", "active", datetime(2024, 3, 14, 10, tzinfo=UTC)),
    ]


async def test_json_rows_and_columns_in_any_order(server, conn):
    items = [{"store_id": "a", "status": "active", "timestamp_utc": "2024-03-14 10:00:00 UTC"},
             {"store_id": 8419537941919820732, "status": "inactive", "timestamp_utc": "2024-03-14 10:30:00"},
             {"store_id": "b", "status": "active"},
             {"store_id": None, "status": "active", "timestamp_utc": "2024-03-14 10:00:00 UTC"},
             "not an object",
             {"store_id": "c", "status": "down", "timestamp_utc": "2024-03-14 10:00:00 UTC"},
             {"store_id": "d\ne", "status": "active", "timestamp_utc": "2024-03-14 10:00:00 UTC"},
             {"store_id": "f", "status": "active", "timestamp_utc": "2024-03-14 10:00:00 UTC"}]
    async with server.client() as client:
        response = await client.post("/polls", json=items)
        reordered = await post_csv(client, csv_body("2024-03-14 11:00:00 UTC,d,active",
                                                     header="timestamp_utc,store_id,status\n"))
    assert response.status_code == 200, response.text
    assert [(r["row"], r["reason"]) for r in response.json()["rejected"]] == [
        (3, "timestamp_utc missing or not a string"),
        (4, "store_id missing or not a string"),
        (5, "not a JSON object"),
        (6, "status must be active or inactive, got 'down'"),
        (7, "a value holds a line break"),
    ]
    assert response.json()["stored"] == 3 and reordered.json()["stored"] == 1
    assert await conn.fetchval("select count(*) from store_status where store_id = '8419537941919820732'") == 1


async def test_posting_the_same_polls_again_stores_nothing_new(server, conn):
    body = csv_body("s1,active,2024-03-14 10:00:00 UTC", "s1,active,2024-03-14 10:00:00 UTC",
                    "s2,inactive,2024-03-14 10:05:00 UTC")
    async with server.client() as client:
        first = (await post_csv(client, body)).json()
        second = (await post_csv(client, body)).json()
    assert (first["stored"], first["duplicates"]) == (2, 1)
    assert (second["stored"], second["duplicates"]) == (0, 3)
    assert await conn.fetchval("select count(*) from store_status") == 2


@pytest.mark.parametrize("body, content_type, status", [
    (csv_body("s1,actif,2024-03-14 10:00:00 UTC"), "text/csv", 422),
    (b"store_id,state,timestamp_utc\ns1,active,2024-03-14 10:00:00 UTC\n", "text/csv", 422),
    (b"", "text/csv", 422),
    (b"[{", "application/json", 422),
    (b'{"store_id": "a"}', "application/json", 422),
    (b"store_id,status,timestamp_utc\n", "text/csv", 422),
    (b"s", "text/plain", 415),
])
async def test_a_body_with_no_good_row_is_refused_with_the_same_shape(server, conn, body, content_type, status):
    async with server.client() as client:
        response = await client.post("/polls", content=body, headers={"content-type": content_type})
    assert response.status_code == status, response.text
    if status == 422:
        assert set(response.json()) == {"received", "stored", "duplicates", "rejected"}
        assert response.json()["stored"] == 0 and response.json()["rejected"]
    assert await conn.fetchval("select count(*) from store_status") == 0


async def test_limits(server, conn):
    too_many = csv_body(*[f"s{i},active,2024-03-14 10:00:00 UTC" for i in range(MAX_ROWS + 1)])
    async with server.client() as client:
        rows = await post_csv(client, too_many)
        size = await client.post("/polls", content=b"x" * (MAX_BYTES + 1), headers={"content-type": "text/csv"})
    assert rows.status_code == 413 and f"at most {MAX_ROWS:,}" in rows.json()["detail"]
    assert size.status_code == 413 and f"at most {MAX_BYTES:,}" in size.json()["detail"]
    assert await conn.fetchval("select count(*) from store_status") == 0


async def test_a_report_right_after_a_post_sees_the_polls_and_the_summary_stays_current(db_settings, conn):
    """A day of polls for a few stores, summarized; then a post of the next hour (one store changes status, one new
    store appears, one poll back-fills the middle of the day): the summary absorbs it (nothing stale, nothing
    pending) and a report as of the newest poll equals the model's."""
    with ApiServer(db_settings) as server:
        async with server.client() as client:
            day = [f"s{i},{'active' if h % 5 else 'inactive'},"
                   f"{(NOW - timedelta(hours=h, minutes=i)):%Y-%m-%d %H:%M:%S} UTC"
                   for i in range(4) for h in range(30)]
            assert (await post_csv(client, csv_body(*day))).status_code == 200
            hour = [f"s0,inactive,{NOW + timedelta(minutes=20):%Y-%m-%d %H:%M:%S} UTC",
                    f"s9,active,{NOW + timedelta(minutes=25):%Y-%m-%d %H:%M:%S} UTC",
                    f"s2,inactive,{NOW - timedelta(hours=7, minutes=30):%Y-%m-%d %H:%M:%S} UTC"]
            posted = (await post_csv(client, csv_body(*hour))).json()
            assert posted["stored"] == 3
            assert await conn.fetchval("select count(*) from status_change_pending") == 0
            assert await stale_from(conn, NOW + timedelta(hours=1)) == INFINITY
            report_id = (await client.post("/trigger_report")).json()["report_id"]
            response = await wait_for_report(client, report_id)
    assert response.status_code == 200
    as_of = await conn.fetchval("select as_of from report where id = $1", report_id)
    assert as_of == NOW + timedelta(minutes=25)
    assert response.text == await model_csv(conn, as_of)


async def test_posts_while_a_report_runs_change_nothing_of_it(db_settings, conn):
    with ApiServer(db_settings) as server:
        async with server.client() as client:
            rows = [f"s{i},active,{NOW - timedelta(hours=h):%Y-%m-%d %H:%M:%S} UTC" for i in range(3) for h in range(5)]
            await post_csv(client, csv_body(*rows))
            async with reports_blocked(db_settings):
                report_id = (await client.post("/trigger_report")).json()["report_id"]
                await wait_for_row(conn, report_id, lambda r: r["status"] == "running")
                later = await asyncio.gather(*(post_csv(client, csv_body(
                    f"s{i},inactive,{NOW - timedelta(minutes=30 - i):%Y-%m-%d %H:%M:%S} UTC",
                    f"s{i},inactive,{NOW + timedelta(minutes=10 + i):%Y-%m-%d %H:%M:%S} UTC")) for i in range(3)))
            assert all(r.status_code == 200 for r in later)
            response = await wait_for_report(client, report_id)
    as_of = await conn.fetchval("select as_of from report where id = $1", report_id)
    assert as_of == NOW  # fixed when triggered
    # The report counts every poll at or before its now that was stored before its shards read them: the polls
    # posted at NOW - 30 min and later committed before the shards ran (they were blocked), so they count too,
    # all of a post or none of it.
    assert response.text == await model_csv(conn, as_of)
