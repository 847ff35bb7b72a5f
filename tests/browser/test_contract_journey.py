"""Issue #14's journey: Bob generates the contract for Diego's accepted deal and sends it; Diego signs on his phone
(freshly signed in with Demo ID); Olivia countersigns with her TOTP code; both download the executed PDF; /verify
accepts it and refuses a modified copy. Key screens are saved as test-artifacts/contract-*.png."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pyotp
from playwright.async_api import Browser, Page, Route, expect

from shared.audit.context import system_actor
from shared.creators.actions import do_link_social_identity
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.oauth import ExternalIdentity, TokenSet
from shared.integrations.oauth_demo_provider import DemoProvider
from shared.settings import DEV_SECRET_KEY
from tests.browser.test_offer_journey import desktop_page
from tests.conftest import PASSWORD, Cast
from tests.contract_helpers import enable_totp
from tests.factories import agreed_deal
from tests.oidc_fixtures import set_provider_user

DIEGO_SUBJECT = "diego-journey"


async def _sign_in_staff(page: Page, base: str, email: str, code: str | None = None) -> None:
    await page.goto(f"{base}/backoffice/signin")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    if code is not None:
        await page.get_by_label("Code").fill(code)
        await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Your brands")).to_be_visible()


async def test_a_contract_from_generation_to_verification(
    page: Page,
    browser: Browser,
    creator_live_server: str,
    oidc_provider: DemoProvider,
    cast: Cast,
    artifacts_dir: Path,
) -> None:
    base = creator_live_server
    actor = system_actor("test")
    diego = await do_create_creator(
        actor,
        display_name="Diego Alvarez",
        email="diego@creators.test",
        country="US",
        niches=["fitness"],
        accounts=[SocialAccount("tiktok", "tt-diego", "diegofit", 2_300_000, 95_000)],
    )
    identity = ExternalIdentity(
        "demo",
        DIEGO_SUBJECT,
        "diego@creators.test",
        True,
        "Diego Alvarez",
        "diegofit",
        "",
        TokenSet("", None, None, ""),
    )
    await do_link_social_identity(actor, int(diego.id), identity, Encryptor(DEV_SECRET_KEY))
    set_provider_user(oidc_provider, DIEGO_SUBJECT, {"name": "Diego Alvarez", "email": "diego@creators.test"})
    deal = await agreed_deal(cast, int(diego.id))
    secret = await enable_totp(Encryptor(DEV_SECRET_KEY), cast.olivia_id)

    async with desktop_page(browser, artifacts_dir, "contract-bob") as bob:
        await _sign_in_staff(bob, base, "bob@acme.test")
        await bob.goto(f"{base}/backoffice/b/acme/offers/{deal.collaboration_id}")
        await bob.get_by_role("button", name="Generate the contract").click()
        await expect(bob.locator(".flashes")).to_contain_text("Contract generated")
        await expect(bob.locator(".contract-text")).to_contain_text("Influencer Services Agreement")
        await bob.get_by_role("button", name="Send to Diego Alvarez for signature").click()
        await expect(bob.locator(".flashes")).to_contain_text("Sent.")
        await bob.screenshot(path=str(artifacts_dir / "contract-01-bob-sent.png"), full_page=True)
        contract_url = bob.url

    # Diego, on his phone, signs in with Demo ID (a fresh sign-in) and signs.
    async def offline(route: Route) -> None:
        await route.abort()

    await page.route("https://cdn.jsdelivr.net/**", offline)
    await page.goto(f"{base}/")
    await page.get_by_role("link", name="Sign in with your social account").click()
    await page.get_by_role("link", name="Continue with Demo ID").click()
    await page.get_by_placeholder("sub").fill(DIEGO_SUBJECT)
    await page.get_by_role("button", name="Authorize").click()
    await page.goto(f"{base}/contracts")
    await page.get_by_role("link", name="Spring").first.click()
    await expect(page.get_by_role("heading", name="In plain words")).to_be_visible()
    await page.get_by_label("I agree to use electronic records and signatures.").check()
    await page.get_by_label("Your full legal name").fill("Diego Alvarez Ruiz")
    await page.get_by_label("I have read this contract and I intend to sign it.").check()
    await page.screenshot(path=str(artifacts_dir / "contract-02-diego-sign.png"), full_page=True)
    await page.get_by_role("button", name="Sign", exact=True).click()
    await expect(page.locator(".flashes")).to_contain_text("Signed.")

    async with desktop_page(browser, artifacts_dir, "contract-olivia") as olivia:
        await _sign_in_staff(olivia, base, "olivia@acme.test", pyotp.TOTP(secret).now())
        await olivia.goto(contract_url)
        await olivia.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
        await olivia.get_by_role("button", name="Countersign and execute").click()
        await expect(olivia.locator(".flashes")).to_contain_text("Countersigned and executed")
        async with olivia.expect_download() as brand_download:
            await olivia.get_by_role("link", name="Download the executed PDF").click()
        brand_pdf = await asyncio.to_thread(Path(await (await brand_download.value).path()).read_bytes)

    await page.reload()
    await expect(page.locator(".notice")).to_contain_text("Executed")
    async with page.expect_download() as creator_download:
        await page.get_by_role("link", name="Download the executed PDF").click()
    creator_pdf = await asyncio.to_thread(Path(await (await creator_download.value).path()).read_bytes)
    assert creator_pdf == brand_pdf and brand_pdf.startswith(b"%PDF")
    status = await get_engine().fetch("SELECT status FROM collaboration WHERE id = $1", deal.collaboration_id)
    assert status[0]["status"] == "contracted"

    # /verify accepts the executed PDF and refuses a copy changed by one byte.
    executed, changed = artifacts_dir / "contract-executed.pdf", artifacts_dir / "contract-changed.pdf"
    executed.write_bytes(brand_pdf)
    altered = bytearray(brand_pdf)
    altered[len(altered) // 2] ^= 0x01
    changed.write_bytes(bytes(altered))
    await page.goto(f"{base}/verify")
    await page.get_by_label("Contract PDF (up to 20 MB)").set_input_files(str(executed))
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("status")).to_contain_text("Verified: this file is a contract executed")
    await expect(page.get_by_role("status")).to_contain_text("Acme and Diego Alvarez")
    await page.screenshot(path=str(artifacts_dir / "contract-03-verified.png"), full_page=True)
    await page.get_by_label("Contract PDF (up to 20 MB)").set_input_files(str(changed))
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("status")).to_contain_text("Not verified")
