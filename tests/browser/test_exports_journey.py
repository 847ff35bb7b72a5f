"""Fran asks for last month's general ledger on the Exports page, watches the worker make it, and downloads it:
the file holds last month's journal (and not this month's), balanced."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from shared.exports.rules import LEDGER_COLUMNS, last_month
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.conftest import Cast
from tests.exports_helpers import acme_books, backdated_accrual, parse, today
from tests.live_server import serve_app


@pytest.fixture
def exports_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with a worker in its process (as the demo runs), so the export job runs on its own."""
    log = tmp_path_factory.mktemp("live-exports") / "server.log"
    with serve_app(database_url, log, {"WORKER_IN_PROCESS": "true"}) as base_url:
        yield base_url


async def test_fran_exports_last_months_general_ledger(
    page: Page, exports_server: str, cast: Cast, tmp_path: Path, artifacts_dir: Path
) -> None:
    await acme_books(cast)  # this month's books: not in last month's file
    start, end = last_month(today())
    at = dt.datetime.combine(start + dt.timedelta(days=9), dt.time(15, 30), tzinfo=dt.UTC)
    journal = await backdated_accrual(cast.acme_id, cast.alice_id, 43_210, at, key="browser:last-month")

    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps({"staff_id": cast.fran_id}).encode(), expires_in=3600)
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": exports_server}])
    await page.goto(f"{exports_server}/backoffice/b/acme")
    toggle = page.locator(".menu-toggle")  # a menu on a phone, a sidebar on wide screens
    if await toggle.is_visible():
        await toggle.click()
    await page.get_by_role("navigation", name="Acme sections").get_by_role("link", name="Exports").click()
    await expect(page.get_by_role("heading", name="Exports", exact=True)).to_be_visible()
    await page.get_by_label("General-ledger journal").check()
    await expect(page.get_by_label("First day")).to_have_value(start.isoformat())
    await expect(page.get_by_label("Last day (included)")).to_have_value(end.isoformat())
    await page.get_by_role("button", name="Make the export").click()

    row = page.locator("#exports-table tbody tr").first
    await expect(row).to_have_attribute("data-state", "done", timeout=30_000)  # the page polls while it runs
    await page.screenshot(path=str(artifacts_dir / "exports-phone.png"), full_page=True)
    link = row.get_by_role("link", name="Download")
    async with page.expect_download() as info:
        await link.click()
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    assert download.suggested_filename == f"acme-ledger-{start.isoformat()}-to-{end.isoformat()}.csv"
    rows = parse(saved.read_bytes())
    assert rows == [
        list(LEDGER_COLUMNS),
        [at.date().isoformat(), str(journal), "expense", "432.10", "", "USD", "browser:last-month", "the bonus reached",
         "accrued"],
        [at.date().isoformat(), str(journal), f"payable:{cast.alice_id}", "", "432.10", "USD", "browser:last-month",
         "the bonus reached", "accrued"],
    ]  # fmt: skip
    assert sum(Decimal(r[3] or 0) for r in rows[1:]) == sum(Decimal(r[4] or 0) for r in rows[1:])
    # The brand home's spend, as finance sees it first: charts and the same numbers in tables.
    await page.goto(f"{exports_server}/backoffice/b/acme")
    await expect(page.locator("#home-spend")).to_be_visible()
    await page.screenshot(path=str(artifacts_dir / "home-spend-phone.png"), full_page=True)
