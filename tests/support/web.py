"""Helpers of the web tests: a generated sample loaded through ingest, Debian's Chromium driven by Playwright, and
signing in on the page."""

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from app.config import Settings
from app.ingest import ingest
from app.sample import generate_sample
from tests.support.wait import wait_until

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 30_000  # upper bound of every wait on the page
POLL_MS = 1000  # app.js polls the list this often while a report is queued or running

# Counts the page's fetches that have not settled yet (window.__fetching); they still go to the network.
_COUNT_FETCHES = """(() => {
  const fetch = window.fetch.bind(window);
  window.__fetching = 0;
  window.fetch = (...args) => {
    window.__fetching += 1;
    return fetch(...args).finally(() => { window.__fetching -= 1; });
  };
})();"""


async def load_generated_sample(settings: Settings, folder: Path, stores: int) -> None:
    """The sample generator's files for `stores` stores, loaded through the project's ingest."""
    generate_sample(folder, stores=stores)
    result = await ingest(settings, folder, progress=False, rejects=folder / "rejects.csv")
    assert result.ok, result.table()


async def control_time(page: Page) -> None:
    """Before the page is loaded: its clock becomes Playwright's (it flows as usual until a test moves it), and its
    fetches are counted, so that let_time_pass can tell when what the timers started has settled."""
    await page.clock.install()
    await page.add_init_script(_COUNT_FETCHES)


async def let_time_pass(page: Page, ms: int) -> None:
    """`ms` pass at once on the page's clock (every timer due meanwhile fires), then every fetch those timers
    started settles: what the page does in that time has been done, without waiting for it in real time."""
    await page.clock.run_for(ms)
    await wait_until(lambda: page.evaluate("window.__fetching === 0"), WAIT_MS / 1000, "the page's fetches settle")


async def launch_chromium() -> tuple[object, Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium package")
    playwright = await async_playwright().start()
    browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=WAIT_MS)
    return playwright, browser


async def screenshots(page: Page, folder: Path, name: str) -> list[Path]:
    """Full-page screenshots of the page at laptop and phone sizes (the viewport is restored afterwards); the page
    must fit the width of each, without sideways scrolling."""
    before = page.viewport_size
    paths = []
    for size_name, size in (("laptop", LAPTOP), ("phone", PHONE)):
        await page.set_viewport_size(size)
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px wider than a {size_name} screen"
        path = folder / f"{name}-{size_name}.png"
        await page.screenshot(path=path, full_page=True)
        paths.append(path)
    await page.set_viewport_size(before)
    return paths


async def sign_in(page: Page, url: str, key: str, then: str = "/") -> None:
    """Open `then`, which sends a browser that has not signed in to the sign-in form, and sign in there with
    `key`: the page comes back to `then`."""
    await page.goto(url + then)
    await expect(page).to_have_url(re.compile(r"/signin\?next="))
    await page.fill("#key", key)
    await page.click("#signin")
    await expect(page).to_have_url(url + then)
