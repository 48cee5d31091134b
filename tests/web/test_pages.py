"""The pages over real HTTP on small hand-made data (what each state and odd input renders), and the pure helpers
that lay out the timeline, the histogram and the business hours."""

import uuid
from datetime import date, time
from decimal import Decimal
from urllib.parse import quote

import pytest

from app.web.charts import histogram
from app.web.data import Bucket, HoursRow
from app.web.describe import describe_hours
from app.web.timeline import DaySpan, Piece, Poll, clock, day_rows, week_totals
from tests.support.api import ApiServer, sign_in, wait_for_report
from tests.support.cases import every_day, h, p, utc
from tests.support.reports import load_rows

ODD_ID = '<b>"odd" & store</b>'
POLLS = [
    p("plain", "active", "2024-03-14 10:00"), p("plain", "inactive", "2024-03-14 11:30"),
    p(ODD_ID, "active", "2024-03-14 09:00"),
    p("lost", "inactive", "2024-03-13 12:00"),
]
HOURS = [*every_day("plain", "09:00", "17:00"), h(ODD_ID, 0, "22:00", "02:00")]
ZONES = {"plain": "Europe/London", "lost": "Mars/Olympus"}


@pytest.fixture
async def served(db_settings, conn):
    """The app over HTTP with one complete report of the hand-made stores: (a client signed in to the web page,
    report id)."""
    await load_rows(conn, POLLS, HOURS, ZONES)
    with ApiServer(db_settings) as server:
        async with server.client() as api, server.client(key=None) as client:
            report_id = (await api.post("/trigger_report", json={"as_of": "2024-03-14T12:00:00Z"})).json()[
                "report_id"]
            assert (await wait_for_report(api, report_id)).status_code == 200
            assert (await sign_in(client, server.admin_key)).status_code == 303  # the pages use the session
            yield client, report_id


async def test_the_index_page_and_its_static_files(served):
    client, _ = served
    page = await client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    for name, kind in (("app.js", "javascript"), ("style.css", "text/css")):
        start = page.text.index(f"/static/{name}?v=")
        url = page.text[start:page.text.index('"', start)]
        asset = await client.get(url)
        assert asset.status_code == 200 and kind in asset.headers["content-type"]


async def test_unknown_reports_and_stores_are_404_pages(served):
    client, report_id = served
    for url, message in [
        ("/reports/not-a-uuid/view", "There is no report not-a-uuid."),
        (f"/reports/{uuid.uuid4()}/view", "There is no report"),
        (f"/stores/plain/view?report={uuid.uuid4()}", "There is no report"),
        (f"/stores/nowhere/view?report={report_id}", f"The report {report_id} does not include the store nowhere."),
        ("/stores/nowhere/view", "No complete report includes the store nowhere."),
    ]:
        response = await client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("text/html")
        assert message in response.text, url


async def test_a_store_without_a_report_goes_to_its_latest_complete_report(served):
    client, report_id = served
    response = await client.get("/stores/plain/view")
    assert response.status_code == 303
    assert response.headers["location"] == f"/stores/plain/view?report={report_id}"


async def test_odd_store_ids_are_escaped_found_and_linked(served):
    client, report_id = served
    found = await client.get(f"/reports/{report_id}/view", params={"q": '"ODD"'})
    assert "1 store matches" in found.text
    assert ODD_ID not in found.text and "&lt;b&gt;&#34;odd&#34; &amp; store&lt;/b&gt;" in found.text
    link = f"/stores/{quote(ODD_ID, safe='')}/view?report={report_id}"
    assert f'href="{link}"' in found.text
    page = await client.get(link)
    assert page.status_code == 200
    assert ODD_ID not in page.text and "&lt;b&gt;" in page.text
    assert ">Mon 22:00–02:00 next day<" in page.text and ">Tue–Sun closed<" in page.text
    assert (await client.get(f"/reports/{report_id}/view", params={"q": "zzz"})).text.count(
        "No store of this report matches") == 1


async def test_a_store_page_states_its_zone_and_hours(served):
    client, report_id = served
    plain = (await client.get(f"/stores/plain/view?report={report_id}")).text
    assert 'data-zone="Europe/London"' in plain and "every day 09:00–17:00" in plain
    assert '<td class="num" data-field="uptime_last_hour">30.00</td>' in plain  # up 11:00-11:30 of 11:00-12:00
    assert '<td class="num" data-field="downtime_last_hour">30.00</td>' in plain
    lost = (await client.get(f"/stores/lost/view?report={report_id}")).text
    assert "“Mars/Olympus” is not a known zone" in lost
    assert 'data-zone="America/Chicago"' in lost and "none given, so open 24/7" in lost


def test_clock_formats_wall_hours():
    assert [clock(h) for h in (0, 8.5, 17.999722, 24, 25)] == ["00:00", "08:30", "17:59", "24:00", "24:00"]


def test_day_rows_place_pieces_by_local_wall_clock_and_total_business_time():
    days = [DaySpan(date(2024, 3, 9), 24, 18, 24), DaySpan(date(2024, 3, 10), 23, 0, 24)]
    pieces = [
        Piece("hours", date(2024, 3, 10), None, True, 3 * 3600, 1, 5),  # 01:00-05:00 across the gap: 3 h
        Piece("status", date(2024, 3, 10), "active", True, 3600, 1, 2),
        Piece("status", date(2024, 3, 10), "inactive", True, 2 * 3600, 2, 5),
        Piece("status", date(2024, 3, 10), "inactive", False, 19 * 3600, 5, 24),
        Piece("status", date(2024, 3, 9), "active", False, 6 * 3600, 18, 24),
    ]
    polls = [Poll(date(2024, 3, 10), 1.5, "active", utc("2024-03-10 06:30")),
             Poll(date(2024, 3, 10), 4.25, "inactive", utc("2024-03-10 08:15"))]
    saturday, sunday = day_rows(days, pieces, polls)
    assert (saturday.label, saturday.dst_note, sunday.label, sunday.dst_note) == (
        "Sat 9 Mar", None, "Sun 10 Mar", "23-hour day (clocks changed)")
    assert (saturday.window.x, saturday.window.width) == (1080, 360)
    assert [(b.x, b.width, b.title) for b in sunday.hours] == [(60, 240, "Open 01:00–05:00")]
    assert [(b.x, b.width, b.css) for b in sunday.status] == [
        (60, 60, "up"), (120, 180, "down"), (300, 1140, "down closed")]
    assert sunday.status[2].title == "Down 05:00–24:00, outside business hours (not counted)"
    assert sunday.poll_ticks == {"active": "M90.0 0v8", "inactive": "M255.0 0v8"}
    assert (sunday.up_seconds, sunday.down_seconds, saturday.business_seconds) == (3600, 7200, 0)
    assert week_totals([saturday, sunday]) == (1, 2)


def test_describe_hours():
    rows = lambda *specs: [HoursRow(d, time.fromisoformat(s), time.fromisoformat(e)) for d, s, e in specs]  # noqa: E731
    assert describe_hours([]) == ["none given, so open 24/7"]
    assert describe_hours(rows(*[(d, "00:00", "23:59:59") for d in range(7)])) == ["every day 00:00–24:00"]
    assert describe_hours(rows(*[(d, "09:00", "21:00") for d in range(5)], (5, "10:00", "22:00"),
                               (5, "10:00", "22:00"))) == ["Mon–Fri 09:00–21:00", "Sat 10:00–22:00", "Sun closed"]
    assert describe_hours(rows((2, "11:00", "14:00"), (2, "17:30", "22:00"), (4, "09:00", "09:00"))) == [
        "Mon–Tue closed", "Wed 11:00–14:00, 17:30–22:00", "Thu closed", "Fri 09:00–09:00 next day", "Sat–Sun closed"]


def test_histogram_geometry():
    buckets = [Bucket(Decimal(5 * i), Decimal(5 * i + 5), n) for i, n in enumerate([0] * 18 + [3, 17])]
    chart = histogram(buckets)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10", "15", "20"]
    assert [t.label for t in chart.x_ticks] == ["0%", "25%", "50%", "75%", "100%"]
    tallest = chart.bars[-1]
    assert tallest.y + tallest.height == chart.plot_bottom
    assert tallest.height == pytest.approx((chart.plot_bottom - chart.y_ticks[-1].position) * 17 / 20)
    assert tallest.title == "17 stores with a weekly uptime of 95 to 100 %"
    assert chart.bars[0].title == "0 stores with a weekly uptime of 0 to under 5 %"
    assert histogram([Bucket(Decimal(0), Decimal(100), 0)]).y_ticks[-1].label == "1"
