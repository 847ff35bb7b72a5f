"""The money journey in a browser: Diego's contract is executed → his signing payable appears; Fran approves it
(the confirmation shows the batch total first), Olivia approves it and releases it with her authenticator code
(Acme asks for two approvers); the transfer job runs, the simulator pays out and its webhooks arrive → Diego's
Payments page says it is paid."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Page, expect

from shared.contracts.actions import do_countersign_contract
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.stripe_simulator import WebhookEndpoint
from shared.payments.actions import do_set_payment_policy
from shared.payments.rules import Policy
from shared.settings import Settings
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.conftest import Cast
from tests.contract_helpers import brand_side, enable_totp, sent, sign, tools_in
from tests.live_server import serve_app
from tests.payment_helpers import ACTOR, payable_row, point_jobs_at, ready_creator, run_jobs, staff
from tests.portal.test_payments import CONNECT_SECRET, PLATFORM_SECRET
from tests.stripe_fixtures import SIM_KEY, StripeSim


@pytest.fixture
def money_server(database_url: str, stripe_sim: StripeSim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "STRIPE_API_KEY": SIM_KEY,
        "STRIPE_API_BASE": stripe_sim.base_url,
        "STRIPE_WEBHOOK_SECRET": PLATFORM_SECRET,
        "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_SECRET,
    }
    with serve_app(database_url, tmp_path_factory.mktemp("live-money") / "server.log", env) as base_url:
        hooks = [
            WebhookEndpoint(url=f"{base_url}/webhooks/stripe", secret=PLATFORM_SECRET),
            WebhookEndpoint(url=f"{base_url}/webhooks/stripe", secret=CONNECT_SECRET, connect=True),
        ]
        stripe_sim.simulator.state.endpoints.extend(hooks)
        try:
            yield base_url
        finally:
            for hook in hooks:
                stripe_sim.simulator.state.endpoints.remove(hook)


async def _become(page: Page, base: str, data: dict[str, int]) -> None:
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    await page.context.clear_cookies()
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])


async def _wait_for_event(kind: str, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not await get_engine().fetch("SELECT 1 FROM stripe_event WHERE type = $1", kind):
        assert time.monotonic() < deadline, f"no {kind} webhook arrived"
        await asyncio.sleep(0.1)


async def test_a_signing_payable_is_approved_twice_released_and_paid(
    page: Page, money_server: str, cast: Cast, stripe_sim: StripeSim, settings: Settings, database_url: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    point_jobs_at(stripe_sim, monkeypatch)
    stripe_sim.top_up(1_000_000)
    diego = int((await do_create_creator(
        ACTOR, display_name="Diego Alvarez", email="diego@creators.test", country="MX", niches=["food"],
        accounts=[SocialAccount("tiktok", "tt-diego", "diego.cocina", 120_400, 3_900)],
    )).id)  # fmt: skip
    await ready_creator(stripe_sim, diego)
    await do_set_payment_policy(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, policy=Policy(2),
                                terms_days=30)  # fmt: skip
    # Diego's contract: sent, signed by him, countersigned by Olivia with her code → executed.
    encryptor = Encryptor(settings.secret_key)
    tools = tools_in(tmp_path)

    made = await sent(cast, tools, diego)
    await sign(cast, made.contract_id, diego, legal_name="Diego Alvarez", identity="tiktok:diego.cocina")
    secret = await enable_totp(encryptor, cast.olivia_id)
    await do_countersign_contract(ACTOR, await brand_side(cast.olivia_id, cast.acme_id), tools, encryptor,
                                  contract_id=made.contract_id, code=pyotp.TOTP(secret).now())  # fmt: skip
    [row] = await get_engine().fetch("SELECT id FROM payable")
    payable_id = int(row["id"])
    queue = f"{money_server}/backoffice/b/acme/payouts"

    await _become(page, money_server, {"staff_id": cast.fran_id})
    await page.goto(queue)
    await expect(page.locator(f"#payable-{payable_id}")).to_contain_text("0 of 2")
    await page.locator(f"#pick-{payable_id}").check()
    await expect(page.locator("#ticked-total")).to_have_text("Ticked: 1 payable, $600.00")
    await page.get_by_role("button", name="Approve the ticked payables").click()
    await expect(page.locator("#batch-total")).to_have_text("US$600.00")  # nothing approved yet
    await page.get_by_role("button", name="Approve US$600.00").click()
    await expect(page.locator(f"#payable-{payable_id}")).to_contain_text("1 of 2 (Fran Finance)")

    await _become(page, money_server, {"staff_id": cast.olivia_id})
    await page.goto(queue)
    await page.locator(f"#pick-{payable_id}").check()
    await page.get_by_role("button", name="Approve the ticked payables").click()
    await page.get_by_role("button", name="Approve US$600.00").click()
    await expect(page.locator(f"#payable-{payable_id}")).to_have_attribute("data-status", "approved")
    await page.locator(f"#pick-{payable_id}").check()
    await page.get_by_role("button", name="Release the ticked payables").click()
    await expect(page.locator("h1")).to_have_text("Release 1 payable: US$600.00?")
    await page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Release US$600.00").click()
    await expect(page.locator(f"#payable-{payable_id}")).to_have_attribute("data-status", "released")

    await run_jobs(database_url)  # the transfer
    assert (await payable_row(payable_id))["status"] == "transfer_sent"
    await _become(page, money_server, {"creator_id": diego})
    await page.goto(f"{money_server}/payments")
    await expect(page.locator(f"#payable-{payable_id}")).to_contain_text("Stripe sends it to your bank around")

    stripe_sim.control("clock/advance", days=1)  # the daily payout leaves
    stripe_sim.control("clock/advance", days=3)  # and arrives: payout.paid is delivered to Rapport
    await _wait_for_event("payout.paid")
    await run_jobs(database_url)
    await page.reload()
    await expect(page.locator(f"#payable-{payable_id}")).to_have_attribute("data-status", "paid_out")
    await expect(page.locator(f"#payable-{payable_id}")).to_contain_text("Paid to your bank on")
