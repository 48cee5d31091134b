"""The pages over real HTTP on small hand-made data (what each state and odd input renders, the fleet view and a
store's outages with hand-computed figures), and the pure helpers that lay out the timeline, the charts and the
business hours."""

import re
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from urllib.parse import quote

import pytest

from app.web.charts import day_chart, histogram
from app.web.data import Bucket, HoursRow
from app.web.describe import describe_hours
from app.web.fleet import FleetDay, last_days
from app.web.timeline import DaySpan, OutageMark, Piece, Poll, clock, day_rows, mark_outages, week_totals
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


def _rows(html: str, table_id: str) -> list[str]:
    table = re.search(rf'(?s)<table id="{table_id}".*?</table>', html)
    assert table is not None, f"no table #{table_id}"
    return re.findall(r"(?s)<tr[ >].*?</tr>", table.group(0))[1:]  # without the header


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"(?s)<td[^>]*>(.*?)</td>", row)]


async def test_a_report_with_days_shows_the_fleet_per_local_day(served):
    """Hand-computed: "plain" (London, 09-17) is up but for 11:30-12:00 on the 14th, "lost" (America/Chicago,
    24/7) down all along (23 hours on the 10th, DST), the odd store (Chicago, Mondays 22-02) up 2 hours on the
    11th and 2 on the 12th; the 14th is cut at as_of, 12:00 UTC (07:00 in Chicago)."""
    client, _ = served
    answer = await client.post("/trigger_report", json={"as_of": "2024-03-14T12:00:00Z",
                                                         "days": {"from": "2024-03-08", "to": "2024-03-14"}},
                               headers={"Origin": str(client.base_url)})
    report_id = answer.json()["report_id"]
    assert (await wait_for_report(client, report_id)).status_code == 200
    page = (await client.get(f"/reports/{report_id}/view")).text
    assert "2024-03-08 to 2024-03-14" in page and 'id="no-days"' not in page
    expected = {"2024-03-08": (8, 24), "2024-03-09": (8, 24), "2024-03-10": (8, 23), "2024-03-11": (10, 24),
                "2024-03-12": (10, 24), "2024-03-13": (8, 24), "2024-03-14": (Decimal("2.5"), Decimal("7.5"))}
    rows = {re.search(r'data-day="([^"]+)"', r).group(1): _cells(r) for r in _rows(page, "fleet-days")}
    assert list(rows) == list(expected)
    points = dict(re.findall(r'<circle class="day-point"[^>]*data-day="([^"]+)"\s+data-uptime="([^"]+)"', page))
    for day, (up, down) in expected.items():
        pct = 100 * Decimal(up) / (Decimal(up) + Decimal(down))
        assert rows[day][3:] == [f"{Decimal(up):,.2f}", f"{Decimal(down):,.2f}", f"{pct:.1f} %"], day
        assert points[day] == f"{pct:.1f}", day
    assert rows["2024-03-11"][1] == "3" and rows["2024-03-08"][1] == "2"  # stores with business time that date


async def test_a_report_without_days_offers_them_and_shows_zones_and_outages(served):
    client, report_id = served
    page = (await client.get(f"/reports/{report_id}/view")).text
    assert 'id="day-chart"' not in page and "not asked for" in page
    # The last 7 dates every zone had begun by 2024-03-14 12:00 UTC: up to the 14th (it is the 14th at UTC-12).
    assert 'data-from="2024-03-08" data-to="2024-03-14"' in page
    assert 'data-as-of="2024-03-14T12:00:00+00:00"' in page
    # By zone: Chicago ("lost" 168 h down, the odd store 4 h up), then London ("plain" 56 h, 0.5 down).
    zones = [_cells(r) for r in _rows(page, "zone-uptime")]
    assert [(z[0], z[1], z[2], z[3]) for z in zones] == [("America/Chicago", "2", "172", "2.3 %"),
                                                         ("Europe/London", "1", "56", "99.1 %")]
    # Most outages: one each; "lost" the longer (the whole week), the odd store none.
    outages = [_cells(r) for r in _rows(page, "most-outages")]
    assert [(o[1], o[2], o[3], o[4]) for o in outages] == [("lost", "1", "168.00", "10,080.00"),
                                                           ("plain", "1", "0.50", "30.00")]
    top = [_cells(r) for r in _rows(page, "top-downtime")]
    assert [(t[1], t[2], t[3]) for t in top] == [("lost", "168.00", "1"), ("plain", "0.50", "1")]
    assert f'href="/stores/lost/view?report={report_id}"' in page


async def test_a_store_page_lists_its_outages_in_local_time_and_marks_them(served):
    client, report_id = served
    plain = (await client.get(f"/stores/plain/view?report={report_id}")).text
    [row] = _rows(plain, "outages")
    assert _cells(row) == ["1", "Thu 2024-03-14 11:30:00", "Thu 2024-03-14 12:00:00", "2024-03-14 11:30:00 UTC",
                           "2024-03-14 12:00:00 UTC", "30.00"]
    assert "1 outage,\n    30.00 minutes in all" in plain
    marks = re.findall(r'<div class="t-row" data-day="([^"]+)">(?:(?!t-row).)*?<rect class="outage" '
                       r'data-outage="(\d+)" x="([^"]+)" y="11" width="([^"]+)"', plain, re.S)
    assert marks == [("2024-03-14", "1", "690.0", "30.0")]
    assert '<a href="#outage-1">' in plain and 'id="outage-1"' in plain
    # Chicago: the week from 06:00 CST on the 7th to 07:00 CDT on the 14th, one outage marked on 8 local dates.
    lost = (await client.get(f"/stores/lost/view?report={report_id}")).text
    assert _cells(_rows(lost, "outages")[0])[1:3] == ["Thu 2024-03-07 06:00:00", "Thu 2024-03-14 07:00:00"]
    assert len(re.findall(r'data-outage="1"', lost)) == 8
    odd = (await client.get(f"/stores/{quote(ODD_ID, safe='')}/view?report={report_id}")).text
    assert "No outage: the store was never down" in odd and 'class="outage"' not in odd


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


def test_outage_marks_go_to_their_days_rows():
    days = [DaySpan(date(2024, 3, 9), 24, 0, 24), DaySpan(date(2024, 3, 10), 23, 0, 24)]
    rows = day_rows(days, [], [])
    mark_outages(rows, [OutageMark(1, date(2024, 3, 9), 22.5, 24), OutageMark(1, date(2024, 3, 10), 0, 1.25),
                        OutageMark(2, date(2024, 3, 11), 1, 2)])  # a day not drawn: left out
    assert [(b.number, b.x, b.width, b.title) for b in rows[0].outages] == [
        (1, 1350, 90, "Outage 1: 22:30–24:00 this day")]
    assert [(b.number, b.x, b.width) for b in rows[1].outages] == [(1, 0, 75)]


def test_day_chart_geometry():
    def day(n: int, pct: str | None) -> FleetDay:
        return FleetDay(date(2024, 3, n), 10, Decimal(80), Decimal(pct or 0), Decimal(0), None if pct is None else
                        Decimal(pct))
    chart = day_chart([day(8, "97.5"), day(9, "91.2"), day(10, None), day(11, "100")])
    assert [t.label for t in chart.y_ticks] == ["90%", "92%", "94%", "96%", "98%", "100%"]
    assert [t.label for t in chart.x_ticks] == ["Fri 8", "Sat 9", "Sun 10", "Mon 11"]
    assert [p.value for p in chart.points] == ["97.5", "91.2", "100.0"]
    top, bottom = chart.y_ticks[-1].position, chart.y_ticks[0].position
    assert chart.points[2].y == top and bottom - chart.points[1].y == pytest.approx((bottom - top) * 1.2 / 10)
    assert chart.line.count("M") == 2  # broken by the day without business time
    assert chart.points[0].title.startswith("Fri 8 Mar: 97.5 % uptime")
    low = day_chart([day(1, "41")] + [day(n, "99") for n in range(2, 31)])
    assert low.y_ticks[0].label == "40%" and low.y_ticks[1].label == "60%" and not low.show_values
    assert len(low.x_ticks) == 10


def test_last_days_end_with_the_date_every_zone_has_begun():
    assert last_days(datetime(2024, 3, 14, 12, tzinfo=UTC)).model_dump(by_alias=True) == {
        "from": date(2024, 3, 8), "to": date(2024, 3, 14)}
    assert last_days(datetime(2024, 3, 14, 11, 59, tzinfo=UTC)).last == date(2024, 3, 13)


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
