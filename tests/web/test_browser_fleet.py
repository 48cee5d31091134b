"""The fleet view, a store's outages and the down-now panel in Debian's Chromium, driven by Playwright, against the
real app (uvicorn on a free port with its embedded worker). Screenshots go to the test's output folder."""

import re
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from playwright.async_api import Page, Route, expect

from app.db.queries import queries
from app.web.fleet import last_days
from app.web.live import REFRESH_SECONDS
from tests.support.api import ApiServer, add_tenant, create_key
from tests.support.cases import every_day
from tests.support.reports import load_rows
from tests.support.web import LAPTOP, WAIT_MS, launch_chromium, load_generated_sample, screenshots, sign_in

SAMPLE_STORES = 200


@pytest.fixture
async def page():
    playwright, browser = await launch_chromium()
    context = await browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(error))
    yield page
    await browser.close()
    await playwright.stop()


async def test_a_report_run_again_with_days_shows_the_fleet_per_day_and_a_stores_outages(db_settings, tmp_path,
                                                                                         conn, page, output_dir):
    await load_generated_sample(db_settings, tmp_path / "sample", SAMPLE_STORES)
    with ApiServer(db_settings) as server:
        async with server.client() as api:
            plain = (await api.post("/trigger_report")).json()["report_id"]
        await sign_in(page, server.url, server.admin_key, f"/reports/{plain}/view")
        await expect(page.locator("#report-status")).to_have_text("Complete")
        await expect(page.locator("#no-days")).to_contain_text("not asked for figures per local day")
        await expect(page.locator("#day-chart")).to_have_count(0)
        as_of = await conn.fetchval("select as_of from report where id = $1", uuid.UUID(plain))
        days = last_days(as_of)
        await expect(page.locator("#add-days")).to_have_attribute("data-to", days.last.isoformat())

        # Run again with the days: the new report's page follows it until it is complete.
        await page.click("#add-days")
        await expect(page).not_to_have_url(re.compile(plain))
        report_id = re.search(r"/reports/([0-9a-f-]{36})/view", page.url).group(1)
        await expect(page.locator("#report-status")).to_have_text("Complete")
        await expect(page.locator("#report-days")).to_contain_text(f"{days.first} to {days.last}")
        stored = await conn.fetchrow("select as_of, parameters from report where id = $1", uuid.UUID(report_id))
        assert stored["as_of"] == as_of and stored["parameters"]["days"] == {"from": str(days.first),
                                                                              "to": str(days.last)}
        fleet = await conn.fetch(queries["web_fleet_days"], uuid.UUID(report_id))
        assert len(fleet) == days.count
        points = page.locator("#day-chart circle.day-point")
        await expect(points).to_have_count(sum(1 for d in fleet if d["uptime_pct"] is not None))
        for point, day in zip(await points.all(), [d for d in fleet if d["uptime_pct"] is not None]):
            assert await point.get_attribute("data-day") == day["day"].isoformat()
            assert await point.get_attribute("data-uptime") == f"{day['uptime_pct']:.1f}"
        await expect(page.locator("#fleet-days tbody tr")).to_have_count(days.count)
        await expect(page.locator("#zone-uptime tbody tr").first).to_be_visible()
        await screenshots(page, output_dir, "1-report-with-days")

        # The store with the most outages: its list, in local time and UTC, and its marks on the timeline.
        first = page.locator("#most-outages tbody tr").first
        store_id = await first.locator("td.store a").inner_text()
        count = int(await first.locator('[data-field="outages"]').inner_text())
        await first.locator("td.store a").click()
        await expect(page.locator("#store-id")).to_have_text(store_id)
        rows = page.locator("#outages tbody tr")
        await expect(rows).to_have_count(count)
        stored_outages = await conn.fetch("select start_utc, end_utc from report_outage where report_id = $1 and "
                                          "store_id = $2 order by start_utc", uuid.UUID(report_id), store_id)
        assert [await r.get_attribute("data-start-utc") for r in await rows.all()] == [
            o["start_utc"].isoformat() for o in stored_outages]
        minutes = sum((o["end_utc"] - o["start_utc"]).total_seconds() for o in stored_outages) / 60
        await expect(page.locator("#outage-total")).to_contain_text(f"{minutes:,.2f} minutes in all")
        downtime = await conn.fetchval("select downtime_last_week from report_row where report_id = $1 and "
                                       "store_id = $2", uuid.UUID(report_id), store_id)
        seconds = sum((o["end_utc"] - o["start_utc"] for o in stored_outages), timedelta()) / timedelta(microseconds=1)
        assert (Decimal(int(seconds)) / 3_600_000_000).quantize(Decimal("0.01"), ROUND_HALF_UP) == downtime
        marks = page.locator("#timeline rect.outage")
        assert await marks.count() >= count
        assert {int(n) for n in await marks.evaluate_all("els => els.map(e => e.dataset.outage)")} == set(
            range(1, count + 1))
        await page.locator(f'#timeline a[href="#outage-{count}"]').first.click()
        await expect(page).to_have_url(re.compile(f"#outage-{count}$"))
        await screenshots(page, output_dir, "2-store-outages")
    assert page.errors == []


POLLS = [("a-down", "inactive", "2024-03-14 10:00:00"), ("a-up", "active", "2024-03-14 11:00:00"),
         ("g-down", "inactive", "2024-03-14 11:30:00"), ("a-late", "active", "2024-03-14 09:00:00")]


async def test_the_down_now_panel_refreshes_itself_when_polls_arrive(db_settings, conn, page, output_dir):
    """The panel's own timer (the page's clock, driven here) fetches it again; a tenant's page lists its stores
    only."""
    await load_rows(conn, [], [*every_day("a-late", "10:00", "22:00")], {"a-down": "Asia/Kolkata", "a-late": "UTC"})
    settings = db_settings.model_copy(update={"alert_clock": "data", "alert_timer_seconds": 3600})
    add_tenant(settings, "acme", ["a-down", "a-up", "a-late"])
    acme_key = create_key(settings, "acme-read", "read", "acme")
    with ApiServer(settings) as server:
        async with server.client() as api:
            posted = await api.post("/polls", json=[{"store_id": s, "status": st, "timestamp_utc": ts}
                                                    for s, st, ts in POLLS])
            assert posted.json()["stored"] == len(POLLS)
            await page.clock.install()
            await sign_in(page, server.url, acme_key)
            rows = page.locator("#down-now tbody tr")
            await expect(rows).to_have_count(1)  # g-down is no tenant's: only an admin sees it
            await expect(rows.first).to_have_attribute("data-store-id", "a-down")
            await expect(page.locator("#down-now-title .count-badge")).to_have_text("1")
            await expect(rows.first).to_contain_text("Thu 2024-03-14 15:30:00 Asia/Kolkata")
            await expect(rows.first).to_contain_text("1 h 30 min")  # to the newest poll, 11:30
            await screenshots(page, output_dir, "1-down-now")

            # New polls: a-late goes down in its hours, a-down comes back. Nothing changes until the timer fires.
            await api.post("/polls", json=[
                {"store_id": "a-late", "status": "inactive", "timestamp_utc": "2024-03-14 11:40:00"},
                {"store_id": "a-down", "status": "active", "timestamp_utc": "2024-03-14 11:45:00"}])
            await expect(rows.first).to_have_attribute("data-store-id", "a-down")
            await page.clock.run_for(REFRESH_SECONDS * 1000)
            await expect(rows).to_have_count(1)
            await expect(rows.first).to_have_attribute("data-store-id", "a-late")
            await expect(page.locator("#live-as-of")).to_contain_text("As of 2024-03-14 11:45:00 UTC")
            await expect(rows.first).to_contain_text("5 min")  # down since 11:40
            await screenshots(page, output_dir, "2-down-now-refreshed")

            # The server cannot be reached: said so, the panel marked out of date; the next refresh clears it.
            async def abort(route: Route) -> None:
                await route.abort()
            await page.route(re.compile(r"/live$"), abort)
            await page.clock.run_for(REFRESH_SECONDS * 1000)
            await expect(page.locator("#live-error")).to_contain_text(
                "Could not refresh what is down now (the server could not be reached)")
            await expect(page.locator("#live")).to_have_class(re.compile(r"\bstale\b"))
            await screenshots(page, output_dir, "3-down-now-unreachable")
            await page.unroute(re.compile(r"/live$"))
            await api.post("/polls", json=[{"store_id": "a-up", "status": "inactive",
                                            "timestamp_utc": "2024-03-14 11:50:00"}])
            await page.clock.run_for(REFRESH_SECONDS * 1000)
            await expect(page.locator("#live-error")).to_be_hidden()
            await expect(page.locator("#live")).not_to_have_class(re.compile(r"\bstale\b"))
            await expect(rows).to_have_count(2)
            assert [await r.get_attribute("data-store-id") for r in await rows.all()] == ["a-up", "a-late"]
    assert page.errors == []


async def test_the_trigger_form_asks_for_both_dates(db_settings, page: Page):
    with ApiServer(db_settings) as server:
        await sign_in(page, server.url, server.admin_key)
        await page.fill("#days-from", "2024-03-08")
        await page.click("#trigger")
        await expect(page.locator("#trigger-message")).to_have_text(
            "Not started: give both the first and the last date, or neither.")
        await page.fill("#days-to", "2024-06-30")  # more than 92 dates: the API says so
        await page.click("#trigger")
        await expect(page.locator("#trigger-message")).to_contain_text("92")
    assert page.errors == []
