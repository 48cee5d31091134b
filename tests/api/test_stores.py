"""A store's own data over HTTP (weekly hours, time zone, special hours), validated like the loader's files, and a
report's other CSVs (days, outages) over HTTP: what the reports then compute is what the model computes with the
same data."""

from datetime import date

import pytest

from tests.support.api import ApiServer, model_csv, wait_for_report
from tests.support.cases import CASES_BY_NAME
from tests.support.model import days, days_csv, outages, outages_csv
from tests.support.reports import load_rows

CASE = CASES_BY_NAME["special_hours_past_midnight_and_to_midnight"]


@pytest.fixture
def server(db_settings):
    with ApiServer(db_settings) as running:
        yield running


async def test_weekly_hours_are_replaced_and_validated(server, conn):
    async with server.client() as client:
        first = await client.put("/stores/s1/hours", json=[
            {"day_of_week": 0, "start_time_local": "9:00", "end_time_local": "17:00"},
            {"day_of_week": 6, "start_time_local": "22:00", "end_time_local": "02:00:00"}])
        again = await client.put("/stores/s1/hours", json=[
            {"day_of_week": 2, "start_time_local": "10:00", "end_time_local": "23:59:59"}])
        bad = await client.put("/stores/s1/hours", json=[
            {"day_of_week": 7, "start_time_local": "25:00", "end_time_local": "17:00"}])
        bad_time = await client.put("/stores/s1/hours", json=[
            {"day_of_week": 1, "start_time_local": "9h", "end_time_local": "17:00"}])
        open_all_day = await client.put("/stores/s2/hours", json=[])
    assert first.json() == {"store_id": "s1", "rows": 2}
    assert again.json() == {"store_id": "s1", "rows": 1}
    assert bad.status_code == 422 and "day_of_week: must be 0 (Monday) to 6 (Sunday), got 7" in bad.json()["detail"]
    assert bad_time.status_code == 422 and "not a time of day" in bad_time.json()["detail"]
    assert open_all_day.json() == {"store_id": "s2", "rows": 0}
    rows = await conn.fetch("select store_id, day_of_week, start_time_local::text, end_time_local::text "
                            "from store_hours order by 1, 2")
    assert [tuple(r) for r in rows] == [("s1", 2, "10:00:00", "23:59:59")]


async def test_timezone_is_set_and_an_unknown_name_warned_about(server, conn):
    async with server.client() as client:
        known = await client.put("/stores/s1/timezone", json={"timezone_str": "America/Denver"})
        unknown = await client.put("/stores/s1/timezone", json={"timezone_str": "Mars/Olympus"})
        empty = await client.put("/stores/s1/timezone", json={"timezone_str": " "})
    assert known.json() == {"store_id": "s1", "timezone_str": "America/Denver", "warnings": []}
    assert unknown.json()["warnings"] == [
        "unknown time zone 'Mars/Olympus': reports use America/Chicago for this store"]
    assert empty.status_code == 422
    assert await conn.fetchval("select timezone_str from store_timezone where store_id = 's1'") == "Mars/Olympus"


async def test_special_hours_put_and_delete_and_reports_follow_them(server, conn):
    """The hand case's data without its special rows, which are then put over HTTP: the report is the hand case's;
    deleting them again gives the model's report without them."""
    await load_rows(conn, CASE.polls, CASE.hours, CASE.timezones)
    by_date: dict = {}
    for row in CASE.special:
        by_date.setdefault((row.store_id, row.date_local), []).append(row)
    async with server.client() as client:
        for (store_id, day), rows in by_date.items():
            intervals = [] if rows[0].start is None else [
                {"start_time_local": r.start.isoformat(), "end_time_local": r.end.isoformat()} for r in rows]
            put = await client.put(f"/stores/{store_id}/special_hours/{day.isoformat()}", json=intervals)
            assert put.status_code == 200, put.text
            assert put.json()["closed"] == (not intervals)
        bad = await client.put("/stores/x/special_hours/2024-02-30", json=[])
        with_special = await _report(client, CASE.as_of)
        for store_id, day in by_date:
            deleted = await client.delete(f"/stores/{store_id}/special_hours/{day.isoformat()}")
            assert deleted.json()["dropped"]
        without = await _report(client, CASE.as_of)
    assert bad.status_code == 422
    assert with_special == (CASE.expected_csv or _csv(CASE))
    assert without == await model_csv(conn, CASE.as_of)


async def _report(client, as_of) -> str:
    report_id = (await client.post("/trigger_report", json={"as_of": as_of.isoformat()})).json()["report_id"]
    return (await wait_for_report(client, report_id)).text


def _csv(case) -> str:
    from tests.support.model import to_csv

    return to_csv(case.expected_figures())


async def test_days_and_outages_over_http(server, conn):
    await load_rows(conn, CASE.polls, CASE.hours, CASE.timezones, CASE.special)
    first, last = CASE.day_range()
    async with server.client() as client:
        plain_id = (await client.post("/trigger_report", json={"as_of": CASE.as_of.isoformat()})).json()["report_id"]
        trigger = await client.post("/trigger_report", json={"as_of": CASE.as_of.isoformat(),
                                                              "days": {"from": first.isoformat(),
                                                                       "to": last.isoformat()}})
        assert trigger.status_code == 202, trigger.text
        report_id = trigger.json()["report_id"]
        await wait_for_report(client, report_id)
        await wait_for_report(client, plain_id)
        days_response = await client.get(f"/reports/{report_id}/days")
        no_days = await client.get(f"/reports/{plain_id}/days")
        all_outages = await client.get(f"/reports/{report_id}/outages")
        one_store = await client.get(f"/reports/{report_id}/outages", params={"store_id": "den_late"})
        long_ones = await client.get(f"/reports/{report_id}/outages", params={"min_minutes": "30"})
        # A filter value is quoted into COPY's text (asyncpg), never read as SQL, even with line breaks that would
        # end a comment around a `$n` (schemathesis found `store_id=B\r` answered 500).
        hostile = [await client.get(f"/reports/{report_id}/outages", params={"store_id": value})
                   for value in ("den_late\r", "x\n) to stdout; select pg_sleep(30); --", "\r\n$2 $1 '--")]
        too_many_days = await client.post("/trigger_report", json={"days": {"from": "2024-01-01", "to": "2024-05-01"}})
        backwards = await client.post("/trigger_report", json={"days": {"from": "2024-03-10", "to": "2024-03-09"}})
    polls, hours, zones, special = CASE.polls, CASE.hours, CASE.timezones, CASE.special
    assert days_response.status_code == 200 and days_response.headers["content-type"].startswith("text/csv")
    assert days_response.text == days_csv(days(polls, hours, zones, CASE.as_of, first, last, special=special))
    assert no_days.status_code == 404
    expected = outages(polls, hours, zones, CASE.as_of, special=special)
    assert all_outages.text == outages_csv(expected)
    assert one_store.text == outages_csv(expected, store_id="den_late")
    assert len(one_store.text.splitlines()) == 3  # the header and den_late's two outages
    assert long_ones.text == outages_csv(expected, min_minutes=30)
    assert [(r.status_code, r.text) for r in hostile] == [(200, outages_csv({}))] * 3
    assert too_many_days.status_code == 422 and "at most 92" in too_many_days.json()["detail"]
    assert backwards.status_code == 422
    assert date.fromisoformat(days_response.text.splitlines()[1].split(",")[1]) == first


async def test_outages_of_a_report_not_complete_yet(server, conn):
    await load_rows(conn, CASE.polls, CASE.hours, CASE.timezones, CASE.special)
    report_id = await conn.fetchval("insert into report (as_of, status) values ($1, 'running') returning id",
                                    CASE.as_of)
    async with server.client() as client:
        response = await client.get(f"/reports/{report_id}/outages")
        unknown = await client.get("/reports/00000000-0000-0000-0000-000000000000/outages")
    assert response.status_code == 409 and "running" in response.json()["detail"]
    assert unknown.status_code == 404
