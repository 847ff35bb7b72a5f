"""Playwright on Debian's Chromium (/usr/bin/chromium), with a screenshot when a test fails."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Response, async_playwright
from playwright.async_api import Error as PlaywrightError

from tests.axe import axe_violations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make browsers` installs Debian's chromium package")
    return CHROMIUM


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest, artifacts_dir: Path) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 390, "height": 844})  # a phone first
    page = await context.new_page()
    console_errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        # A form answered with 400 logs "Failed to load resource"; broken assets are caught below.
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            console_errors.append(msg.text)

    def on_response(response: Response) -> None:
        if response.request.resource_type in ("script", "stylesheet", "image", "font") and response.status >= 400:
            console_errors.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    # axe-core on every page of ours the test opens (not the stand-in identity provider's pages).
    accessibility: list[str] = []
    checks: list[asyncio.Task[None]] = []

    async def check_accessibility(url: str) -> None:
        try:
            if not await page.evaluate("document.body !== null && /\\bside-/.test(document.body.className)"):
                return
            found = await axe_violations(page)
            await page.evaluate("window.__rapportAxeChecked = true")  # see accessibility_checked()
        except PlaywrightError:
            return  # the test moved on before the check finished; that page's successor is checked on its load
        if found:
            accessibility.append(f"{url}: {found}")

    page.on("load", lambda loaded: checks.append(asyncio.ensure_future(check_accessibility(loaded.url))))
    yield page
    await asyncio.gather(*checks, return_exceptions=True)
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        await page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)
    await context.close()
    # CSP violations and script errors show up here: a page that breaks its own policy fails.
    assert not console_errors, f"browser console errors: {console_errors}"
    assert not accessibility, f"axe found serious or critical problems: {accessibility}"


async def accessibility_checked(page: Page) -> None:
    """Wait until the page fixture's axe check of the current page (started on its load, running beside the test)
    has looked at it: a test that changes the page at once (picking a file in Uppy, say) would otherwise have the
    check see whichever state it reached first, on a busy machine a later one."""
    for _ in range(300):  # polled: wait_for_function evaluates a string in the page, which our CSP refuses
        if await page.evaluate("window.__rapportAxeChecked === true"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the page's accessibility check did not finish within 30 s")
