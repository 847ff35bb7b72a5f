"""Issue #20's journey: Diego (on his phone) pastes his live reel's link; the go-live job asks Instagram's
stand-in and verifies it; the job clock moves an hour on and the first metrics arrive, which Diego sees; Bob (at a
desktop) opens Results, gives Diego a discount code, imports the shop's orders, reads the campaign's cost per
engagement and ROI with their formulas (spend: his signing payable), shares a read-only link and
opens the post's readings; the link opens signed out, showing those results only.
Every page passes axe (the `page` fixture's checks). Screens are saved as test-artifacts/results-*.png."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from shared.audit.context import system_actor
from shared.content.review import check_decide
from shared.creators.actions import do_store_refreshed_tokens
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.tables import LivePost
from shared.identity.actions import SocialAccount, do_create_creator
from shared.identity.queries import get_staff_context
from shared.integrations.oauth import TokenSet
from shared.payments.actions import record_milestone
from shared.results.checks import sweep
from shared.settings import Settings
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.axe import assert_accessible
from tests.conftest import Cast
from tests.factories import agreed_deal
from tests.live_server import serve_app
from tests.results_fixtures import Platforms, alice_post
from tests.review_helpers import REEL, deliverables_of, matrix_storage, submitted_draft

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def results_live_server(
    database_url: str, platforms: Platforms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    env = {"RAPPORT_PLATFORM_API_BASE": platforms.base_url}
    with serve_app(database_url, tmp_path_factory.mktemp("live-results") / "server.log", env) as base_url:
        yield base_url


async def _signed_in(page: Page, base: str, data: dict[str, int]) -> None:
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])


DIEGO_TOKEN = "IGQWRdiego-live-token"
DIEGO_REEL_URL = "https://www.instagram.com/reel/DDiegoTaco1/"


async def _diegos_approved_reel(cast: Cast, settings: Settings, platforms: Platforms) -> tuple[int, int]:
    """Diego (Instagram, signed in with it) has an Acme deal whose contract was executed — the signing payable,
    half of his US$1,200.00 fee, is the campaign's spend — and his reel's draft approved by Bob: (creator, reel)."""
    actor = system_actor("test")
    diego = int((await do_create_creator(
        actor, display_name="Diego Alvarez", email="diego@creators.test", country="MX", niches=["food"],
        accounts=[SocialAccount("instagram", "ig-diego", "diego.cocina", 120_400, 3_900)],
    )).id)  # fmt: skip
    [identity] = await get_engine().fetch("SELECT id FROM social_identity WHERE creator = $1", diego)
    tokens = TokenSet(DIEGO_TOKEN, DIEGO_TOKEN, None, "instagram_business_basic")
    await do_store_refreshed_tokens(actor, int(identity["id"]), tokens, Encryptor(settings.secret_key))
    platforms.simulator.grant(DIEGO_TOKEN, "instagram", "ig-diego")
    deal = await agreed_deal(cast, diego, deliverables=4)
    reel = (await deliverables_of(deal.collaboration_id))[REEL]
    draft = await submitted_draft(None, matrix_storage(), diego, reel)
    await check_decide(actor, await get_staff_context(cast.bob_id), cast.acme_id, draft, decision="approved", note="")
    assert await record_milestone(actor, deal.collaboration_id, "signing") is not None
    return diego, reel


async def test_diegos_post_is_verified_its_numbers_arrive_and_bob_reads_the_results(
    page: Page,
    browser: Browser,
    results_live_server: str,
    cast: Cast,
    results_settings: Settings,
    platforms: Platforms,
) -> None:
    base = results_live_server
    ARTIFACTS.mkdir(exist_ok=True)
    diego, reel = await _diegos_approved_reel(cast, results_settings, platforms)
    numbers = {"views": 20_000, "likes": 1_700, "comments": 120, "shares": 180}  # no reach or saves given
    platforms.simulator.add_post(alice_post(owner="ig-diego", handle="diego.cocina", shortcode="DDiegoTaco1",
                                            post_id="17900000000000777", numbers=numbers))  # fmt: skip

    # Diego, on his phone, pastes the link to his live reel.
    await _signed_in(page, base, {"creator_id": diego})
    await page.goto(f"{base}/work/{reel}")
    await page.get_by_label("Link(s) to your live post").fill(DIEGO_REEL_URL)
    await page.get_by_role("button", name="Mark as live").click()
    await expect(page.get_by_text("Checking the post")).to_be_visible()

    # The go-live job runs, then the job clock moves an hour on: the first reading is due.
    post = await LivePost.objects().where(LivePost.deliverable == reel).first()
    assert post is not None
    assert (await sweep(results_settings, now=post.live_at + dt.timedelta(minutes=2))).checked == 1
    assert (await sweep(results_settings, now=post.live_at + dt.timedelta(hours=1, minutes=2))).readings == 1
    await page.reload()
    live = page.locator("section.content-live")
    await expect(live.get_by_text("Verified", exact=True)).to_be_visible()
    await expect(live.get_by_text("20,000")).to_be_visible()
    await expect(live.get_by_text("not given by Instagram").first).to_be_visible()
    await assert_accessible(page)
    await page.screenshot(path=str(ARTIFACTS / "results-creator-verified.png"), full_page=True)

    # Bob, at a desktop, reads what the campaign got for its money.
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    bob = await context.new_page()
    await _signed_in(bob, base, {"staff_id": cast.bob_id})
    await bob.goto(f"{base}/backoffice/b/acme")
    await bob.get_by_role("link", name="Results", exact=True).first.click()
    await bob.get_by_role("link", name="Spring trail").click()
    await expect(bob.get_by_role("heading", name="Results: Spring trail")).to_be_visible()
    # He gives Diego a discount code, then imports the shop's orders: three used it, US$900.00 in all.
    campaign_url = bob.url
    await bob.get_by_label("Code", exact=True).fill("diego10")
    await bob.get_by_role("button", name="Add the code").click()
    await expect(bob.get_by_text("Discount code added")).to_be_visible()
    await bob.get_by_role("link", name="Import orders").first.click()
    orders = ("order_id,code,amount,currency,ordered_at\n7001,DIEGO10,250.00,USD,2026-11-20\n"
              "7002,diego10,300.00,USD,2026-11-21\n7003,DIEGO10,350.00,USD,2026-11-22\n")  # fmt: skip
    await bob.get_by_label("Orders file").set_input_files(
        files=[{"name": "orders.csv", "mimeType": "text/csv", "buffer": orders.encode()}]
    )
    await bob.get_by_role("button", name="Import the orders").click()
    await expect(bob.get_by_text("3 orders read: 3 added.")).to_be_visible()
    await assert_accessible(bob)
    await bob.goto(campaign_url)
    # Spend US$600 (the payable) ÷ (1,700 + 120 + 180 = 2,000 engagements) = US$0.30; ÷ 20,000 views × 1,000 =
    # US$30.00; ÷ 3 orders = US$200.00; ROI (US$900 − US$600) ÷ US$600 = 50.00%.
    totals = bob.locator("section", has=bob.get_by_role("heading", name="The campaign"))
    cpe = totals.get_by_role("row", name="Cost per engagement")
    await expect(cpe).to_contain_text("US$0.30")
    await expect(cpe).to_contain_text("spend ÷ engagements = US$600.00 ÷ 2,000")
    await expect(totals.get_by_role("row", name="CPM (cost per 1,000 views)")).to_contain_text("US$30.00")
    await expect(totals.get_by_role("row", name="Engagement rate")).to_contain_text("10.00%")
    await expect(totals.get_by_role("row", name="Cost per acquisition")).to_contain_text("US$200.00")
    roi = totals.get_by_role("row", name="Return on investment (ROI)")
    await expect(roi).to_contain_text("50.00%")
    await expect(roi).to_contain_text("(US$900.00 − US$600.00) ÷ US$600.00")
    await assert_accessible(bob)
    await bob.screenshot(path=str(ARTIFACTS / "results-campaign.png"), full_page=True)
    # He shares the results with the client, who has no account: a read-only link, opened signed out.
    await bob.get_by_label("Valid for (days)").fill("7")
    await bob.get_by_role("button", name="Make a link").click()
    flash = bob.get_by_text("Read-only link (copy it now")
    await expect(flash).to_be_visible()
    link = (await flash.inner_text()).rsplit(": ", 1)[1].strip()
    await bob.get_by_role("link", name="Verified").first.click()
    await expect(bob.get_by_role("heading", name="Readings")).to_be_visible()
    await expect(bob.get_by_text("Instagram Graph API").first).to_be_visible()
    await assert_accessible(bob)
    await context.close()

    stranger = await browser.new_context(viewport={"width": 1280, "height": 900})
    client = await stranger.new_page()
    await client.goto(link)
    await expect(client.get_by_role("heading", name="Acme: results of Spring trail")).to_be_visible()
    await expect(client.get_by_role("row", name="Cost per engagement").first).to_contain_text("US$0.30")
    await expect(client.get_by_role("row", name="Return on investment (ROI)").first).to_contain_text("50.00%")
    await expect(client.get_by_role("link", name="Results", exact=True)).to_have_count(0)  # no back-office shell
    await assert_accessible(client)
    await client.screenshot(path=str(ARTIFACTS / "results-shared.png"), full_page=True)
    await stranger.close()
