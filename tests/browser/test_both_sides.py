"""A person opens the portal, then signs in to the back-office and opens a brand."""

import pyotp
from playwright.async_api import Page, expect

from tests.conftest import PASSWORD, Cast


async def test_it_walks_the_portal_and_the_backoffice(page: Page, live_server: str, cast: Cast) -> None:
    await page.goto(f"{live_server}/")
    await expect(page.get_by_role("heading", name="Your brand deals, in one place.")).to_be_visible()
    await page.get_by_role("link", name="Sign in to the back-office").click()

    await page.get_by_label("Email").fill("olivia@acme.test")
    await page.get_by_label("Password").fill("not-my-password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("do not match")
    await expect(page.get_by_label("Email")).to_have_value("olivia@acme.test")

    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    # Owners move money: their first sign-in sets up two-step sign-in.
    secret = await page.locator("#totp-secret").inner_text()
    await page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Turn on two-step sign-in").click()
    await page.get_by_role("link", name="I have saved them, continue").click()
    await expect(page.get_by_role("heading", name="Your brands")).to_be_visible()

    await page.get_by_role("link", name="New brand").click()
    await page.get_by_label("Brand name").fill("Initech")
    await page.get_by_label("Default currency").select_option("EUR")
    await page.get_by_role("button", name="Create brand").click()
    await expect(page.get_by_role("status")).to_contain_text("Initech is ready")
    await expect(page.get_by_role("heading", name="Initech", exact=True)).to_be_visible()
    await expect(page.get_by_text("What needs you now")).to_be_visible()

    await page.get_by_role("link", name="Brands").click()
    await expect(page.get_by_role("link", name="Initech")).to_be_visible()
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in to the back-office")).to_be_visible()
