"""Portal → Payments over real HTTP: the app talks to the Stripe simulator through the real SDK."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar

from shared.db.tables import AuditLog, PayoutAccount
from shared.settings import Settings
from tests.conftest import app_client, csrf_token_from, reused_app
from tests.oidc_fixtures import sign_in_creator
from tests.portal.test_creator_portal import _onboard
from tests.stripe.helpers import fill_onboarding
from tests.stripe_fixtures import SIM_KEY, StripeSim

Client = httpx.AsyncClient
PLATFORM_SECRET = "whsec_rapport_test_platform"
CONNECT_SECRET = "whsec_rapport_test_connect"


def with_stripe(settings: Settings, sim: StripeSim) -> Settings:
    return dataclasses.replace(
        settings,
        stripe_api_key=SIM_KEY,
        stripe_api_base=sim.base_url,
        stripe_webhook_secret=PLATFORM_SECRET,
        stripe_connect_webhook_secret=CONNECT_SECRET,
    )


@pytest.fixture
def stripe_app(oidc_settings: Settings, stripe_sim: StripeSim) -> Litestar:
    return reused_app(with_stripe(oidc_settings, stripe_sim))


@pytest.fixture
async def stripe_client_app(stripe_app: Litestar) -> AsyncIterator[Client]:
    async with app_client(stripe_app) as client:
        yield client


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def _start(client: Client) -> httpx.Response:
    page = await client.get("/payments")
    return await client.post(
        "/payments/setup", data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )


async def test_it_sets_up_payouts_end_to_end(stripe_client_app: Client, stripe_sim: StripeSim) -> None:
    client = stripe_client_app
    await sign_in_creator(client, "nina-1")
    await _onboard(client, {"country": "us"})
    page = await client.get("/payments")
    assert "Payouts are not set up" in page.text and "Set up payouts" in page.text
    response = await _start(client)
    assert response.status_code == 303
    link = response.headers["location"]
    assert link.startswith(stripe_sim.base_url + "/setup/")
    back = fill_onboarding(link)
    assert urlsplit(back.headers["location"]).path == "/payments/return"
    page = await client.get(path_of(back.headers["location"]))
    assert 'data-state="ready"' in page.text and "Ready to be paid" in page.text
    rows = await PayoutAccount.select().run()
    assert len(rows) == 1 and rows[0]["payouts_enabled"] and rows[0]["country"] == "US"
    # Setting up again reuses the same account (one per creator).
    dashboard = await client.post(
        "/payments/dashboard", data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    assert dashboard.headers["location"].startswith(stripe_sim.base_url + "/express/")
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).run()]
    assert "payout_account.created" in actions and "payout_account.updated" in actions


async def test_missing_details_are_listed_as_sentences(stripe_client_app: Client) -> None:
    client = stripe_client_app
    await sign_in_creator(client, "nina-1")
    await _onboard(client, {"country": "us"})
    link = (await _start(client)).headers["location"]
    back = fill_onboarding(link, phone="", account_number="")
    page = await client.get(path_of(back.headers["location"]))
    assert "Stripe needs more information" in page.text, page.text[page.text.find("<main") :][:1500]
    assert "Add your phone number." in page.text and "Add the bank account your payouts go to." in page.text
    # Continuing makes a fresh link for the same account.
    again = await _start(client)
    assert again.status_code == 303 and "/setup/" in again.headers["location"]
    assert len(await PayoutAccount.select().run()) == 1


async def test_an_expired_link_comes_back_to_a_fresh_one(stripe_client_app: Client, stripe_sim: StripeSim) -> None:
    client = stripe_client_app
    await sign_in_creator(client, "nina-1")
    await _onboard(client, {"country": "us"})
    link = (await _start(client)).headers["location"]
    fill_onboarding(link, action="later")
    async with httpx.AsyncClient() as browser:
        used = await browser.get(link)  # visiting a used link sends the person to refresh_url
    assert urlsplit(used.headers["location"]).path == "/payments/refresh"
    fresh = await client.get("/payments/refresh", follow_redirects=False)
    assert fresh.status_code == 303 and fresh.headers["location"] != link
    page = await client.get("/payments/return")
    assert "Payout setup is in progress" in page.text


async def test_unsupported_countries_are_told_so(stripe_client_app: Client) -> None:
    client = stripe_client_app
    await sign_in_creator(client, "nina-1")
    await _onboard(client)  # country KR: not a Stripe Express country
    page = await client.get("/payments")
    assert "pay out to your country" in page.text and "pay you directly" in page.text
    assert "Set up payouts" not in page.text
    response = await _start(client)
    assert response.status_code == 303
    assert await PayoutAccount.select().run() == []


async def test_it_says_when_stripe_is_not_configured(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    await _onboard(oidc_client, {"country": "us"})
    page = await oidc_client.get("/payments")
    assert "not switched on" in page.text
