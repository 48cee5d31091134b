"""The web pages in Debian's Chromium, driven by Playwright, against the real app (uvicorn on a free port with its
embedded worker) on a generated sample loaded through ingest. Screenshots go to the test's output folder."""

import re
import uuid
from datetime import timedelta

import pytest
from playwright.async_api import Page, Route, expect

from app.db.queries import queries
from tests.support.api import ApiServer, wait_for_row
from tests.support.locks import BY_BASELINE, reports_blocked
from tests.support.web import (
    LAPTOP,
    POLL_MS,
    WAIT_MS,
    control_time,
    launch_chromium,
    let_time_pass,
    load_generated_sample,
    screenshots,
    sign_in,
)

SAMPLE_STORES = 200
FIGURES = ("uptime_last_hour", "uptime_last_day", "uptime_last_week",
           "downtime_last_hour", "downtime_last_day", "downtime_last_week")
LIST = re.compile(r"/reports\?")  # GET /reports?limit=...
TRIGGER = re.compile(r"/trigger_report$")
US_ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]


@pytest.fixture
async def sample_settings(db_settings, tmp_path):
    await load_generated_sample(db_settings, tmp_path / "sample", SAMPLE_STORES)
    return db_settings


@pytest.fixture
async def page():
    playwright, browser = await launch_chromium()
    context = await browser.new_context(viewport=LAPTOP, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(error))
    yield page
    await browser.close()
    await playwright.stop()


async def abort(route: Route) -> None:
    await route.abort()


def report_row(page: Page, report_id: str | None = None):
    selector = f'#reports tr[data-report-id="{report_id}"]' if report_id else "#reports tr[data-report-id]"
    return page.locator(selector).first


async def a_store_to_open(conn, report_id) -> tuple[str, str, object, object]:
    """A store with the same hours every day (end after start) and no special hours in a US zone (its week has the
    DST change), preferably one that was down: (store id, zone, opening time, closing time)."""
    row = await conn.fetchrow(
        """select h.store_id, t.timezone_str, min(h.start_time_local) as opens, min(h.end_time_local) as closes
           from store_hours h join store_timezone t using (store_id)
           join report_row r on r.store_id = h.store_id and r.report_id = $1
           where t.timezone_str = any ($2::text[])
             and not exists (select from special_hours s where s.store_id = h.store_id)
           group by h.store_id, t.timezone_str, r.downtime_last_week
           having count(distinct h.day_of_week) = 7
              and count(distinct (h.start_time_local, h.end_time_local)) = 1
              and bool_and(h.end_time_local > h.start_time_local and h.end_time_local < '23:59:59')
           order by r.downtime_last_week desc, h.store_id limit 1""", uuid.UUID(report_id), US_ZONES)
    assert row is not None, "the sample has no store with regular hours in a US zone"
    return row["store_id"], row["timezone_str"], row["opens"], row["closes"]


async def test_trigger_watch_progress_download_and_open_a_store(sample_settings, conn, page, output_dir):
    with ApiServer(sample_settings) as server:
        await sign_in(page, server.url, server.admin_key)
        await expect(page.locator("#reports")).to_contain_text("No reports yet")

        # Held running (the report's SQL waits on a lock): the page shows progress and nothing of a result.
        async with reports_blocked(sample_settings, BY_BASELINE):
            await page.click("#trigger")
            await expect(page.locator("#trigger-message")).to_contain_text("queued")
            row = report_row(page)
            report_id = await row.get_attribute("data-report-id")
            stored = await wait_for_row(conn, report_id, lambda r: r["status"] == "running" and r["stores_total"])
            total = stored["stores_total"]
            await expect(row.locator(".progress-text")).to_have_text(f"Running: 0 of {total} stores")
            await expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuemax", str(total))
            await expect(row.locator(".badge")).to_have_text("Running")
            await expect(row.locator("a.csv, a.view")).to_have_count(0)
            await screenshots(page, output_dir, "1-index-running")

        await expect(row).to_have_attribute("data-status", "complete")
        await expect(row.locator(".badge")).to_have_text("Complete")
        await expect(row.get_by_role("progressbar")).to_have_count(0)
        async with page.expect_download() as download_info:
            await row.locator("a.csv").click()
        download = await download_info.value
        csv_path = output_dir / "downloaded.csv"
        await download.save_as(csv_path)
        async with server.client() as client:
            api_csv = (await client.get(f"/get_report/{report_id}")).text
        assert csv_path.read_text() == api_csv
        assert api_csv.count("\n") - 1 == total
        await screenshots(page, output_dir, "2-index-complete")

        # The report's figures.
        await row.locator("a.view").click()
        await expect(page.locator("#report-status")).to_have_text("Complete")
        headline = await conn.fetchrow(queries["web_report_headline"], uuid.UUID(report_id))
        await expect(page.locator('[data-figure="stores"]')).to_have_text(f"{total:,}")
        await expect(page.locator('[data-figure="uptime-pct"]')).to_have_text(f"{headline['uptime_pct_week']:.1f} %")
        bars = page.locator("#histogram rect.hist-bar")
        await expect(bars).to_have_count(20)
        charted = sum([int(await bar.get_attribute("data-stores")) for bar in await bars.all()])
        assert charted == total - headline["stores_without_business_time"]
        top = await conn.fetch(queries["web_top_downtime"], uuid.UUID(report_id), 20)
        await expect(page.locator("#top-downtime tbody tr")).to_have_count(len(top))
        await expect(page.locator("#top-downtime tbody tr").first).to_contain_text(top[0]["store_id"])
        await screenshots(page, output_dir, "3-report")

        # Search a store by part of its id and open it.
        store_id, zone, opens, closes = await a_store_to_open(conn, report_id)
        await page.fill("#store-search", store_id[:13])
        await page.click("#search button")
        result = page.locator("#search-results a", has_text=store_id)
        await expect(result).to_have_count(1)
        await result.click()
        await expect(page.locator("#store-id")).to_have_text(store_id)

        stored_row = await conn.fetchrow("select * from report_row where report_id = $1 and store_id = $2",
                                         uuid.UUID(report_id), store_id)
        for name in FIGURES:
            await expect(page.locator(f'#figures [data-field="{name}"]')).to_have_text(str(stored_row[name]))
        await expect(page.locator("#zone strong")).to_have_text(zone)
        as_of = await conn.fetchval("select as_of from report where id = $1", uuid.UUID(report_id))
        local_as_of = await conn.fetchval("select $1::timestamptz at time zone $2", as_of, zone)
        await expect(page.locator("#zone")).to_contain_text(f"as of {local_as_of:%Y-%m-%d %H:%M:%S} local time")
        await expect(page.locator("#business-hours")).to_contain_text(f"every day {opens:%H:%M}–{closes:%H:%M}")

        # Eight local dates; every full day shows the business hours at their local wall-clock place.
        days = page.locator("#timeline .t-row[data-day]")
        await expect(days).to_have_count(8)
        for day in (await days.all())[1:-1]:
            opened = day.locator("rect.open")
            await expect(opened).to_have_count(1)
            assert float(await opened.get_attribute("x")) == opens.hour * 60 + opens.minute
            await expect(opened.locator("title")).to_have_text(f"Open {opens:%H:%M}–{closes:%H:%M}")
        await expect(page.locator('.t-row[data-day="2024-03-10"] .dst')).to_have_text("23-hour day (clocks changed)")
        statuses = page.locator("#timeline rect.up, #timeline rect.down")
        assert await statuses.count() > 0
        polls = await conn.fetchval("select count(distinct (timestamp_utc, status)) from store_status "
                                    "where store_id = $1 and timestamp_utc between $2 and $3",
                                    store_id, as_of - timedelta(days=7), as_of)
        ticks = sum([len(re.findall("M", await path.get_attribute("d")))
                     for path in await page.locator("#timeline path.tick").all()])
        assert ticks == polls
        await expect(page.locator("#drawn-totals")).to_contain_text(
            f"{stored_row['uptime_last_week']:,} h up and {stored_row['downtime_last_week']:,} h down")
        await screenshots(page, output_dir, "4-store")
    assert page.errors == []


async def test_failed_calls_show_an_error_and_a_retry_that_works(sample_settings, conn, page, output_dir):
    await control_time(page)
    with ApiServer(sample_settings) as server:
        await sign_in(page, server.url, server.admin_key)
        # The list cannot be loaded.
        await page.route(LIST, abort)
        await page.goto(server.url + "/")
        await expect(page.locator("#error")).to_be_visible()
        await expect(page.locator("#error-text")).to_have_text(
            "Could not load the reports: the server could not be reached. The list below may be out of date.")
        await screenshots(page, output_dir, "1-list-unreachable")
        await page.unroute(LIST)
        await page.click("#retry")
        await expect(page.locator("#error")).to_be_hidden()
        await expect(page.locator("#reports")).to_contain_text("No reports yet")

        # The server answers with an error.
        async def unavailable(route: Route) -> None:
            await route.fulfill(status=503, json={"detail": "cannot connect to the database"})
        await page.route(TRIGGER, unavailable)
        await page.click("#trigger")
        await expect(page.locator("#error-text")).to_have_text(
            "Could not start the report: the server answered 503: cannot connect to the database.")
        await expect(page.locator("#reports tr[data-report-id]")).to_have_count(0)
        await page.unroute(TRIGGER)

        # The retry triggers it; while it runs the network goes away: it stays "running" on the page, marked out
        # of date, even after it completed in the database, until a retry gets the real state.
        async with reports_blocked(sample_settings, BY_BASELINE):
            await page.click("#retry")
            row = report_row(page)
            await expect(row).to_have_attribute("data-status", "running")
            report_id = await row.get_attribute("data-report-id")
            await page.route(LIST, abort)
            await expect(page.locator("#error-text")).to_contain_text("Could not load the reports")
        await wait_for_row(conn, report_id, lambda r: r["status"] == "complete")
        await let_time_pass(page, 3 * POLL_MS)  # polling periods on the page's clock, and whatever they fetched
        await expect(row).to_have_attribute("data-status", "running")
        await expect(row.locator("a.csv")).to_have_count(0)
        await expect(page.locator("#reports")).to_have_class(re.compile(r"\bstale\b"))
        await screenshots(page, output_dir, "2-poll-failed-while-running")
        await page.unroute(LIST)
        await page.click("#retry")
        await expect(row).to_have_attribute("data-status", "complete")
        await expect(row.locator("a.csv")).to_have_count(1)
        await expect(page.locator("#reports")).not_to_have_class(re.compile(r"\bstale\b"))
    assert page.errors == []


async def test_a_running_report_is_never_shown_as_complete(sample_settings, conn, page, output_dir):
    with ApiServer(sample_settings) as server:
        async with reports_blocked(sample_settings, BY_BASELINE):
            await sign_in(page, server.url, server.admin_key)
            async with server.client() as client:
                report_id = (await client.post("/trigger_report")).json()["report_id"]
                stored = await wait_for_row(conn, report_id, lambda r: r["status"] == "running" and r["stores_total"])

                # Every shard done but not yet marked complete: still "running", and said so.
                async def all_done_but_running(route: Route) -> None:
                    page_json = (await client.get("/reports", params={"limit": 20})).json()
                    for item in page_json["items"]:
                        item["stores_done"] = item["stores_total"]
                    await route.fulfill(json=page_json)
                await page.route(LIST, all_done_but_running)
                await page.goto(server.url + "/")
                row = report_row(page, report_id)
                await expect(row.locator(".progress-text")).to_have_text(
                    f"Running: {stored['stores_total']} of {stored['stores_total']} stores, finishing…")
                await expect(row.locator(".badge")).to_have_text("Running")
                await expect(row.locator("a.csv, a.view")).to_have_count(0)
                await page.unroute(LIST)

            # The report's and a store's pages say it is running and show no figures and no download.
            await page.goto(f"{server.url}/reports/{report_id}/view")
            await expect(page.locator("#report-status")).to_have_text("Running")
            await expect(page.locator("#report-state")).to_contain_text("not complete yet")
            await expect(page.locator("#headline, #histogram, #top-downtime, #download")).to_have_count(0)
            await screenshots(page, output_dir, "report-running")
            store_id = await conn.fetchval("select min(store_id) from store_status")
            await page.goto(f"{server.url}/stores/{store_id}/view?report={report_id}")
            await expect(page.locator("#report-state")).to_contain_text("not complete yet")
            await expect(page.locator("#figures, #timeline")).to_have_count(0)

            # Cancelled from the list: said so, still no result.
            await page.goto(server.url + "/")
            row = report_row(page, report_id)
            await row.get_by_role("button", name="Cancel").click()
            await expect(row).to_have_attribute("data-status", "cancelled")
            await expect(row).to_contain_text("Stopped before it was complete")
            await expect(row.locator("a.csv, a.view")).to_have_count(0)
    assert page.errors == []


async def test_sign_in_once_and_the_pages_and_their_calls_work_until_sign_out(db_settings, page, output_dir):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with ApiServer(db_settings) as server:
        await page.goto(server.url + "/")
        await expect(page).to_have_url(server.url + "/signin?next=/")
        await page.fill("#key", "sp_live_" + "x" * 44)
        await page.click("#signin")
        await expect(page.locator("#signin-message")).to_have_text(
            "That key is not valid: it is unknown, revoked or mistyped.")
        await screenshots(page, output_dir, "1-sign-in-refused")

        await page.fill("#key", server.admin_key)
        await page.click("#signin")
        await expect(page).to_have_url(server.url + "/")
        await expect(page.locator("#reports")).to_contain_text("No reports yet")  # the script's call got through
        await expect(page.locator("#signed-in-as")).to_contain_text(f"test-admin-{server.port} · admin")
        session = next(c for c in await page.context.cookies() if c["name"] == "storepulse_session")
        assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/"
        assert "storepulse_session" not in await page.evaluate("document.cookie")  # out of scripts' reach
        await screenshots(page, output_dir, "2-signed-in")

        await page.click("#signout")
        await expect(page).to_have_url(server.url + "/signin")
        await page.goto(server.url + "/reports")  # the API, with the ended session's cookie gone
        assert "Authorization: Bearer" in await page.locator("body").inner_text()
        await page.goto(server.url + "/")
        await expect(page).to_have_url(server.url + "/signin?next=/")
    assert requested and not [url for url in requested if server.admin_key in url or session["value"] in url]
    assert page.errors == []
