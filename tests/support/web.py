"""Helpers of the web tests: a generated sample loaded through ingest, Debian's Chromium driven by Playwright, and
signing in on the page."""

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from app.config import Settings
from app.ingest import ingest
from app.sample import generate_sample

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 30_000  # upper bound of every wait on the page


async def load_generated_sample(settings: Settings, folder: Path, stores: int) -> None:
    """The sample generator's files for `stores` stores, loaded through the project's ingest."""
    generate_sample(folder, stores=stores)
    result = await ingest(settings, folder, progress=False, rejects=folder / "rejects.csv")
    assert result.ok, result.table()


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
