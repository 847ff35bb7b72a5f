"""Alice sets up payouts on her phone: Payments → Stripe's (simulated) onboarding page → back, ready."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.async_api import Page, Route, expect

from shared.db.tables import PayoutAccount, StripeEvent
from shared.integrations.oauth_demo_provider import DemoProvider
from shared.integrations.stripe_simulator import WebhookEndpoint
from tests.live_server import serve_app
from tests.oidc_fixtures import set_provider_user
from tests.stripe_fixtures import SIM_KEY, StripeSim

PLATFORM_SECRET = "whsec_browser_platform"
CONNECT_SECRET = "whsec_browser_connect"


@pytest.fixture
def payments_live_server(
    database_url: str, oidc_provider: DemoProvider, stripe_sim: StripeSim, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    demo = oidc_provider.settings()
    env = {
        "RAPPORT_OIDC_DEMO_ISSUER": demo.issuer,
        "RAPPORT_OIDC_DEMO_CLIENT_ID": demo.client_id,
        "RAPPORT_OIDC_DEMO_CLIENT_SECRET": demo.client_secret,
        "RAPPORT_OIDC_DEMO_LABEL": demo.label,
        "STRIPE_API_KEY": SIM_KEY,
        "STRIPE_API_BASE": stripe_sim.base_url,
        "STRIPE_WEBHOOK_SECRET": PLATFORM_SECRET,
        "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_SECRET,
    }
    with serve_app(database_url, tmp_path_factory.mktemp("live-payments") / "server.log", env) as base_url:
        endpoints = stripe_sim.simulator.state.endpoints
        hooks = [
            WebhookEndpoint(url=f"{base_url}/webhooks/stripe", secret=PLATFORM_SECRET),
            WebhookEndpoint(url=f"{base_url}/webhooks/stripe", secret=CONNECT_SECRET, connect=True),
        ]
        endpoints.extend(hooks)
        try:
            yield base_url
        finally:
            for hook in hooks:
                endpoints.remove(hook)


async def test_alice_sets_up_payouts_on_her_phone(
    page: Page, payments_live_server: str, oidc_provider: DemoProvider, stripe_sim: StripeSim
) -> None:
    async def offline(route: Route) -> None:
        await route.abort()

    await page.route("https://cdn.jsdelivr.net/**", offline)
    set_provider_user(oidc_provider, "alice-phone", {"name": "Alice Rivera", "email": "alice@creators.test"})
    await page.goto(f"{payments_live_server}/signin")
    await page.get_by_role("link", name="Continue with Demo ID").click()
    await page.get_by_placeholder("sub").fill("alice-phone")
    await page.get_by_role("button", name="Authorize").click()
    await page.get_by_label("Email").fill("alice@creators.test")
    await page.get_by_label("Country").fill("US")
    await page.get_by_label("Topics").fill("outdoors")
    await page.get_by_label("Exposure and reach").check()
    await page.get_by_role("button", name="Save and continue").click()
    await expect(page.get_by_role("heading", name="Hi Alice Rivera")).to_be_visible()

    await page.get_by_role("link", name="Payments").click()
    await expect(page.get_by_role("heading", name="Payouts are not set up")).to_be_visible()
    await page.get_by_role("button", name="Set up payouts").click()

    # Stripe's hosted onboarding (the simulator's page), with its test values prefilled.
    await expect(page.get_by_role("heading", name="Set up payouts")).to_be_visible()
    assert page.url.startswith(stripe_sim.base_url)
    await expect(page.get_by_label("First name")).to_have_value("Jenny")
    await page.get_by_label("First name").fill("Alice")
    await page.get_by_label("Last name").fill("Rivera")
    await page.get_by_role("button", name="Submit").click()

    await expect(page.get_by_role("heading", name="Ready to be paid")).to_be_visible()
    assert page.url == f"{payments_live_server}/payments"
    await expect(page.get_by_role("button", name="Open my Stripe dashboard")).to_be_visible()
    rows = await PayoutAccount.select().run()
    assert len(rows) == 1 and rows[0]["payouts_enabled"] and rows[0]["currently_due"] == []
    # Stripe's account.updated webhook reached the app (signed, stored once).
    for _ in range(100):
        if await StripeEvent.count().where(StripeEvent.type == "account.updated"):
            break
        await page.wait_for_timeout(50)
    assert await StripeEvent.count().where(StripeEvent.account == rows[0]["stripe_account_id"]) >= 1
