"""Alice fills in her W-9 on a phone and sees her yearly total: Acme holds payouts to US creators until their W-9
is on file, so her Payments page says so with a link; she fills in the form (a wrong ZIP first: the message keeps
what she typed, but not her SSN), signs, sees it masked, and her Payments page shows what Acme paid her this year."""

from __future__ import annotations

import datetime as dt
import json
import secrets

from playwright.async_api import Page, expect

from shared.tax.actions import do_set_tax_hold
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.conftest import Cast
from tests.payment_helpers import ACTOR, approved, signing_payable, staff
from tests.tax_helpers import SSN, SSN_DIGITS, paid_manually

YEAR = dt.datetime.now(dt.UTC).year


async def _become(page: Page, base: str, data: dict[str, int]) -> None:
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    await page.context.clear_cookies()
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])


async def test_alice_fills_in_her_w9_on_a_phone_and_sees_her_yearly_total(
    page: Page, live_server: str, cast: Cast
) -> None:
    await paid_manually(cast, fee="5000")  # US$2,500 paid by bank transfer this year
    held = await signing_payable(cast, fee="1200")
    await approved(cast, held)
    await do_set_tax_hold(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, hold=True)
    assert page.viewport_size is not None and page.viewport_size["width"] <= 400  # a phone

    await _become(page, live_server, {"creator_id": cast.alice_id})
    await page.goto(f"{live_server}/payments")
    await expect(page.locator("#tax-hold")).to_contain_text("Acme holds your payouts until your W-9 is on file")
    await page.locator("#tax-hold").get_by_role("link", name="Fill in your tax details").click()
    await expect(page.get_by_role("heading", name="Tax details", exact=True)).to_be_visible()
    await page.get_by_role("link", name="I am a US person — fill in a W-9").click()

    await page.get_by_label("1. Name (as shown on your income tax return)").fill("Alice Walker")
    await page.get_by_label("3. Federal tax classification").select_option("individual")
    await page.get_by_label("5. Address (number, street, apt. or suite)").fill("1 Trail Rd")
    await page.get_by_label("6. City").fill("Boulder")
    await page.get_by_label("State").fill("CO")
    await page.get_by_label("ZIP code").fill("8030")  # one digit short
    await page.get_by_label("Taxpayer ID number").fill(SSN)
    await page.get_by_label("I certify the above, under penalties of perjury, and sign electronically.").check()
    await page.get_by_label("Signature: type your name as on line 1").fill("Alice Walker")
    await page.get_by_role("button", name="Sign and save").click()

    await expect(page.locator("#f-postal_code-error")).to_have_text("Enter a ZIP code like 94107 or 94107-1234.")
    await expect(page.get_by_label("6. City")).to_have_value("Boulder")
    await expect(page.get_by_label("Taxpayer ID number")).to_have_value("")  # never echoed back: she types it again
    await expect(page.locator("#tax-errors")).to_contain_text("never shown back")
    assert SSN_DIGITS not in await page.content() and SSN not in await page.content()

    await page.get_by_label("ZIP code").fill("80302")
    await page.get_by_label("Taxpayer ID number").fill(SSN)
    await page.get_by_label("I certify the above, under penalties of perjury, and sign electronically.").check()
    await page.get_by_role("button", name="Sign and save").click()

    await expect(page.locator("#tax-on-file")).to_contain_text("W-9 (US person) on file")
    await expect(page.locator("#tin-masked")).to_have_text("•••-••-3986")
    assert SSN_DIGITS not in await page.content() and SSN not in await page.content()

    await page.get_by_role("link", name="Payments").first.click()
    await expect(page.locator("#tax-hold")).to_have_count(0)
    totals = page.locator("#yearly-totals")
    await expect(totals.locator(f'li[data-year="{YEAR}"]')).to_contain_text("Acme")
    await expect(totals.locator(f'li[data-year="{YEAR}"]')).to_contain_text("US$2,500.00")
    await expect(page.locator("#tax-status")).to_contain_text("W-9 on file (taxpayer ID •••-••-3986)")
    # Nothing on the phone page is wider than the screen.
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
