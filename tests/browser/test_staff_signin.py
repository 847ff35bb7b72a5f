"""A staff member signs in with password and TOTP code, then switches brand from the header."""

import pyotp
from playwright.async_api import Page, expect

from tests.backoffice.staff_helpers import enrol_totp
from tests.conftest import PASSWORD, Cast


async def test_it_signs_in_with_a_code_and_switches_brand(page: Page, live_server: str, cast: Cast) -> None:
    secret = await enrol_totp(cast.admin_id)  # Ada: owner at Acme and Globex
    await page.goto(f"{live_server}/backoffice/b/acme")
    await page.get_by_label("Email").fill("ada@rapport.test")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("heading", name="Enter your sign-in code")).to_be_visible()
    await page.get_by_label("Code").fill("000000")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("alert")).to_contain_text("not right")
    await page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Acme", exact=True)).to_be_visible()

    switcher = page.locator("details.brand-switcher")
    await switcher.locator("summary").click()
    current = switcher.get_by_role("link", name="Acme")
    await expect(current).to_have_attribute("aria-current", "page")
    await switcher.get_by_role("link", name="Globex").click()
    await expect(page.get_by_role("heading", name="Globex", exact=True)).to_be_visible()
    await expect(page.locator("details.brand-switcher summary")).to_have_text("Globex")


async def test_it_walks_finance_through_setting_up_two_step_sign_in(page: Page, live_server: str, cast: Cast) -> None:
    await page.goto(f"{live_server}/backoffice/signin")
    await page.get_by_label("Email").fill("fran@acme.test")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    await expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    await expect(page.get_by_role("img", name="TOTP set-up code")).to_be_visible()  # the inline SVG QR code
    secret = await page.locator("#totp-secret").inner_text()
    await page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    await page.get_by_role("button", name="Turn on two-step sign-in").click()
    await expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    await expect(page.locator(".recovery-codes li")).to_have_count(10)
    await page.get_by_role("link", name="I have saved them, continue").click()
    await expect(page.get_by_role("heading", name="Your brands")).to_be_visible()
