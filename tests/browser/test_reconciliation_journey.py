"""Fran reconciles last month: runs it from the page (progress while a worker reads Stripe), finds the transfer
someone made outside Rapport (straight at Stripe), resolves it with a note, closes the month, and exports its
general ledger for accounting (made by a worker, downloaded, balanced)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from bench.reconciliation_data import build_month
from shared.db.engine import get_engine
from shared.exports.rules import LEDGER_COLUMNS
from shared.reconciliation.rules import month_start, period_label, previous_month
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.conftest import Cast
from tests.live_server import serve_app
from tests.payment_helpers import point_jobs_at, run_jobs
from tests.portal.test_payments import CONNECT_SECRET, PLATFORM_SECRET
from tests.stripe_fixtures import SIM_KEY, StripeSim


@pytest.fixture
def finance_server(
    database_url: str, stripe_sim: StripeSim, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    env = {"STRIPE_API_KEY": SIM_KEY, "STRIPE_API_BASE": stripe_sim.base_url, "STRIPE_WEBHOOK_SECRET": PLATFORM_SECRET,
           "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_SECRET}  # fmt: skip
    folder = tmp_path_factory.mktemp("live-reconciliation")
    # The jobs this test runs (run_jobs, in this process) store files where the server serves them from.
    monkeypatch.setenv("STORAGE_URL", f"file://{folder / 'storage'}")
    with serve_app(database_url, folder / "server.log", env) as base_url:
        yield base_url


async def _become(page: Page, base: str, data: dict[str, int]) -> None:
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    await page.context.clear_cookies()
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])


async def test_fran_finds_the_outside_transfer_explains_it_and_closes_the_month(
    page: Page, finance_server: str, cast: Cast, stripe_sim: StripeSim, database_url: str,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    stripe_sim.simulator.store.reset()
    point_jobs_at(stripe_sim, monkeypatch)
    last_month = previous_month(month_start(dt.datetime.now(dt.UTC).date()))
    month = await build_month(stripe_sim.simulator, brand_id=cast.acme_id, month=last_month, transfers=8)
    # Someone paid a creator straight from Stripe's dashboard last month: Rapport never heard of it.
    stripe_sim.top_up(100_000)
    outside = stripe_sim.client().v1.transfers.create({"amount": 7500, "currency": "usd",
                                                       "destination": month.accounts[2]})  # fmt: skip
    mid_month = dt.datetime.combine(last_month.replace(day=14), dt.time(10), tzinfo=dt.UTC)
    stripe_sim.control("backdate", object=outside.id, created=int(mid_month.timestamp()))
    # Stripe charged a fee on one of last month's transfers: reconciliation journals it, dated when Stripe did.
    [paid] = await get_engine().fetch("SELECT stripe_transfer_id FROM payable WHERE id = $1", month.payable_ids[0])
    fee = stripe_sim.control("fees", amount=125, currency="usd", source=paid["stripe_transfer_id"])
    stripe_sim.control("backdate", object=fee["id"], created=int(mid_month.timestamp()))
    label = period_label(last_month)

    await _become(page, finance_server, {"staff_id": cast.fran_id})
    await page.goto(f"{finance_server}/backoffice/b/acme/reconciliation")
    await expect(page.get_by_role("heading", name=f"Reconciliation: {label}")).to_be_visible()
    await page.get_by_role("button", name=f"Run reconciliation for {label}").click()
    await expect(page.locator("#run-progress")).to_contain_text("Waiting for a worker")

    await run_jobs(database_url)  # a worker reads Stripe; the page notices and shows the result
    await expect(page.locator("#summary")).to_contain_text("At Stripe only", timeout=15_000)
    await expect(page.locator("#open-breaks")).to_have_text("1 open break")
    [item] = await get_engine().fetch("SELECT id FROM reconciliation_item WHERE stripe_id = $1", outside.id)
    found = page.locator(f"#break-{item['id']}")
    await expect(found).to_contain_text(outside.id)
    await expect(found).to_contain_text("$75.00")
    await expect(page.get_by_role("button", name=f"Close {label}")).to_be_disabled()

    await found.get_by_label("What explains it?").fill("Sam paid Kai's travel by hand from the Stripe dashboard.")
    await found.get_by_role("button", name="Resolve with this note").click()
    await expect(page.locator("#open-breaks")).to_have_text("0 open breaks")
    await expect(page.locator(f"#break-{item['id']}")).to_contain_text("Resolved by Fran")

    await page.get_by_role("button", name=f"Close {label}").click()
    await expect(page.locator("#period-state")).to_have_text("Closed")
    await expect(page.get_by_text("no journal can be dated inside it").first).to_be_visible()
    await expect(page.get_by_role("button", name=f"Run reconciliation for {label}")).to_have_count(0)

    # The month closed, Fran hands its general ledger to accounting: an export made by a worker, downloaded.
    await page.goto(f"{finance_server}/backoffice/b/acme/exports")
    await page.get_by_label("General-ledger journal").check()
    await page.get_by_label("First day").fill(last_month.isoformat())
    await page.get_by_label("Last day (included)").fill((month_start(dt.datetime.now(dt.UTC).date())
                                                         - dt.timedelta(days=1)).isoformat())  # fmt: skip
    await page.get_by_role("button", name="Make the export").click()
    await run_jobs(database_url)  # the export job
    row = page.locator("#exports-table tbody tr").first
    await expect(row).to_have_attribute("data-state", "done", timeout=15_000)
    async with page.expect_download() as info:
        await row.get_by_role("link", name="Download").click()
    saved = tmp_path / (await info.value).suggested_filename
    await (await info.value).save_as(saved)
    lines = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert lines[0] == list(LEDGER_COLUMNS)
    assert {line[-1] for line in lines[1:]} == {"fee"} and "1.25" in {line[3] for line in lines[1:]}  # the fee
    assert all(line[0].startswith(last_month.isoformat()[:7]) for line in lines[1:])  # dated inside the month
    assert sum(Decimal(line[3] or 0) for line in lines[1:]) == sum(Decimal(line[4] or 0) for line in lines[1:])
