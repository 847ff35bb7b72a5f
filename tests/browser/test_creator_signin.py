"""A creator signs in through the Demo ID provider, onboards on a phone-sized screen, and lands on their home."""

import re

from playwright.async_api import Page, Route, expect

from shared.integrations.oauth_demo_provider import DemoProvider
from tests.oidc_fixtures import set_provider_user


async def test_it_signs_a_creator_in_and_onboards_them(
    page: Page, creator_live_server: str, oidc_provider: DemoProvider
) -> None:
    # Offline: nothing may come from anywhere but this machine (the Demo ID page once styled itself from a CDN).
    outside: list[str] = []

    async def offline(route: Route) -> None:
        outside.append(route.request.url)
        await route.abort()

    await page.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])"), offline)
    set_provider_user(
        oidc_provider, "nina-browser", {"name": "Nina Park", "email": "nina@creators.test", "email_verified": True}
    )
    await page.goto(f"{creator_live_server}/")
    await page.get_by_role("link", name="Sign in with your social account").click()
    await page.get_by_role("link", name="Continue with Demo ID").click()

    # At the provider: its own stylesheet gives it its look (a purple Authorize button, a framed card).
    authorize = page.get_by_role("button", name="Authorize")
    await expect(authorize).to_have_css("background-color", "rgb(59, 47, 143)")
    await expect(page.locator("main.container")).to_have_css("max-width", "640px")
    assert outside == []
    # Say who you are.
    await page.get_by_placeholder("sub").fill("nina-browser")
    await page.get_by_role("button", name="Authorize").click()

    await expect(page.get_by_role("heading", name="Welcome! Tell brands about you")).to_be_visible()
    await expect(page.get_by_label("Name")).to_have_value("Nina Park")
    await expect(page.get_by_label("Email")).to_have_value("nina@creators.test")
    await page.get_by_label("Country").fill("Korea")
    await page.get_by_label("Topics").fill("food, travel")
    await page.get_by_role("button", name="Save and continue").click()

    # Rejected: the messages say what to fix and what was typed stays.
    await expect(page.get_by_role("alert")).to_contain_text("need a fix")
    await expect(page.get_by_text("two-letter code", exact=False).last).to_be_visible()
    await expect(page.get_by_label("Topics")).to_have_value("food, travel")

    await page.get_by_label("Country").fill("KR")
    await page.get_by_label("Typical rate per post").fill("250")
    await page.get_by_label("Currency").select_option("EUR")
    await page.get_by_label("Paid collaborations").check()
    await page.get_by_role("button", name="Save and continue").click()

    await expect(page.get_by_role("heading", name="Hi Nina Park")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text("Welcome to Rapport!")
    await expect(page.get_by_text("No offers waiting for you.")).to_be_visible()

    await page.get_by_role("link", name="Accounts", exact=True).click()
    await expect(page.get_by_role("heading", name="Demo ID · nina")).to_be_visible()
    await expect(page.get_by_text("hidden / not available")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
