"""A renewal from proposal to payable: Bob proposes to keep using Diego's live reel for six more months for US$400;
Diego counters on his phone (nine months, US$650); Bob sees what changed and accepts; Diego signs the amendment;
Bob countersigns with his authenticator code. Only then does the library tile show the new end date, and the
Payouts queue the renewal's fee. Screens are saved as test-artifacts/renewal-*.png."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.async_api import Browser, Page, expect

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.crypto import Encryptor
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.storage_local import LocalStorage
from shared.rights.queries import standing_entries
from shared.rights.rules import day_text
from shared.settings import DEV_SECRET_KEY
from shared.web.creator_auth import SIGNED_IN_AT_KEY, SIGNED_IN_WITH_KEY
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.axe import assert_accessible
from tests.browser.test_contract_journey import _sign_in_staff
from tests.browser.test_offer_journey import desktop_page
from tests.conftest import Cast
from tests.contract_helpers import enable_totp
from tests.live_server import serve_app
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")


@pytest.fixture(scope="module")
def renewal_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with its files in a folder this test also writes the approved draft into."""
    folder = tmp_path_factory.mktemp("renewal-storage")
    with serve_app(
        database_url, tmp_path_factory.mktemp("renewal") / "server.log", {"STORAGE_URL": f"file://{folder}"}
    ) as base:
        yield base, folder


async def _as_diego(page: Page, base: str, diego_id: int) -> None:
    """Diego on his phone, signed in with his Instagram account a minute ago (signing needs a fresh sign-in)."""
    key = secrets.token_hex(32)
    session = {
        "creator_id": diego_id,
        SIGNED_IN_AT_KEY: dt.datetime.now(dt.UTC).isoformat(),
        SIGNED_IN_WITH_KEY: "instagram:diegofit",
    }
    await PostgresSessionStore().set(key, json.dumps(session).encode(), expires_in=600)
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])


async def test_bob_and_diego_agree_a_renewal_sign_it_and_the_fee_is_payable(
    browser: Browser, page: Page, renewal_server: tuple[str, Path], cast: Cast, artifacts_dir: Path
) -> None:
    base, folder = renewal_server
    diego = await do_create_creator(
        ACTOR,
        display_name="Diego Alvarez",
        email="diego@creators.test",
        country="US",
        niches=["fitness"],
        accounts=[SocialAccount("instagram", "ig-diego", "diegofit", 2_300_000, 95_000)],
    )
    diego_id = int(diego.id)
    storage = LocalStorage(folder, secret_key="renewal-test", base_url="http://127.0.0.1")
    reel, _ = await approved_asset(cast, storage, creator_id=diego_id)
    await check_submit_live(ACTOR, diego_id, reel, urls=["https://www.instagram.com/reel/diego/"])
    [entry] = (await standing_entries([reel]))[reel]
    old_end = entry.grant.ends_on
    proposed_end = old_end + dt.timedelta(days=183)
    countered_end = old_end + dt.timedelta(days=274)
    secret = await enable_totp(Encryptor(DEV_SECRET_KEY), cast.bob_id)

    async with desktop_page(browser, artifacts_dir, "renewal-bob") as bob:
        await _sign_in_staff(bob, base, "bob@acme.test", pyotp.TOTP(secret).now())
        await bob.goto(f"{base}/backoffice/b/acme/library")
        tile = bob.locator(f"#asset-{reel}")
        await tile.locator("summary", has_text="Renew or revoke").click()
        await tile.get_by_label("Until (new last day)").fill(proposed_end.isoformat())
        await tile.get_by_label("Fee for the extension").fill("400")
        await tile.get_by_role("button", name="Propose renewal").click()
        await expect(bob.locator(".flashes")).to_contain_text("Renewal proposed")
        await expect(tile.locator(".library-renewal")).to_contain_text("waiting for Diego Alvarez")

        # Diego counters on his phone: three more months, US$650.
        await _as_diego(page, base, diego_id)
        await page.goto(f"{base}/rights")
        mine = page.locator(f"#asset-{reel}")
        await expect(mine).to_contain_text(
            f"Acme proposes to keep using it until {day_text(proposed_end)}, for US$400.00."
        )
        await mine.locator("summary", has_text="Counter with another date or fee").click()
        await mine.get_by_label("Until (last day)").fill(countered_end.isoformat())
        await mine.get_by_label("Your fee").fill("650")
        await mine.get_by_label("Message").fill("Nine months for paid ads")
        await page.screenshot(path=str(artifacts_dir / "renewal-01-diego-counters.png"), full_page=True)
        await assert_accessible(page, "a creator countering a renewal")
        await mine.get_by_role("button", name="Send counter-offer").click()
        await expect(page.locator(".flashes")).to_contain_text("Counter-offer sent")
        await expect(mine).to_contain_text(f"You proposed until {day_text(countered_end)}, for US$650.00")

        # Bob sees what changed and accepts: the amendment goes to Diego; the old end date still stands.
        await bob.reload()
        await expect(tile.locator(".library-renewal")).to_contain_text(
            f"What changed: Until: {day_text(proposed_end)} → {day_text(countered_end)}; Fee: US$400.00 → US$650.00."
        )
        await bob.screenshot(path=str(artifacts_dir / "renewal-02-bob-sees-the-counter.png"), full_page=True)
        await assert_accessible(bob, "the library with a counter-offer")
        await tile.get_by_role("button", name="Accept the counter-offer").click()
        await expect(bob.locator(".flashes")).to_contain_text("Counter-offer accepted")
        await expect(bob.locator(".contract-text")).to_contain_text("Usage Rights Extension")
        contract_url = bob.url

        # Diego signs the amendment.
        await page.goto(f"{base}/rights")
        await mine.get_by_role("link", name="Sign the amendment").click()
        await expect(page.locator("ul.terms")).to_contain_text("They pay you US$650.00 for it")
        await page.get_by_label("I agree to use electronic records and signatures.").check()
        await page.get_by_label("Your full legal name").fill("Diego Alvarez Ruiz")
        await page.get_by_label("I have read this contract and I intend to sign it.").check()
        await page.get_by_role("button", name="Sign", exact=True).click()
        await expect(page.locator(".flashes")).to_contain_text("Signed.")
        await page.goto(f"{base}/rights")
        await expect(mine.locator(".library-rights")).to_contain_text(f"until {day_text(old_end)}")

        # Bob countersigns: the tile shows the new date, and the fee waits in the Payouts queue.
        await bob.goto(contract_url)
        await bob.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
        await bob.get_by_role("button", name="Countersign and execute").click()
        await expect(bob.locator(".flashes")).to_contain_text("Countersigned and executed")
        await bob.goto(f"{base}/backoffice/b/acme/library")
        await expect(tile.locator(".library-rights")).to_contain_text(f"until {day_text(countered_end)}")
        await expect(tile.locator(".library-renewal")).to_have_count(0)
        await bob.screenshot(path=str(artifacts_dir / "renewal-03-library-new-date.png"), full_page=True)
        await bob.goto(f"{base}/backoffice/b/acme/payouts")
        row = bob.locator("tr", has_text="renewing usage rights")
        await expect(row).to_contain_text("Diego Alvarez")
        await expect(row).to_contain_text("US$650.00")
        await bob.screenshot(path=str(artifacts_dir / "renewal-04-payouts-queue.png"), full_page=True)

    await page.reload()
    await expect(mine.locator(".library-rights")).to_contain_text(f"until {day_text(countered_end)}")
