"""Issue #4's journey, in two browsers: Bob (manager at Acme, on a desktop) creates a campaign and its
brief and invites Alice; Alice (on her phone) counters with a higher fee; Bob accepts; both see the
deliverable on their boards. Key screens are saved as test-artifacts/journey-*.png for people to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, Page, Response, Route, expect

from shared.audit.context import system_actor
from shared.creators.actions import do_link_social_identity
from shared.crypto import Encryptor
from shared.db.tables import Collaboration, Deliverable
from shared.integrations.oauth import ExternalIdentity, TokenSet
from shared.integrations.oauth_demo_provider import DemoProvider
from shared.settings import DEV_SECRET_KEY
from tests.conftest import PASSWORD, Cast
from tests.oidc_fixtures import set_provider_user

CAMPAIGN = "Spring trail launch"
ALICE_SUBJECT = "alice-journey"


@asynccontextmanager
async def desktop_page(browser: Browser, artifacts_dir: Path, name: str) -> AsyncIterator[Page]:
    """A second browser (the back-office at desktop width), held to the same rules as the `page` fixture:
    console errors and CSP violations fail the test; a failure leaves a screenshot."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    def on_response(response: Response) -> None:
        if response.request.resource_type in ("script", "stylesheet", "image", "font") and response.status >= 400:
            errors.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    except BaseException:
        await page.screenshot(path=str(artifacts_dir / f"{name}-failed.png"), full_page=True)
        raise
    finally:
        await context.close()
    assert not errors, f"browser console errors ({name}): {errors}"


async def snap(page: Page, artifacts_dir: Path, name: str) -> None:
    await page.screenshot(path=str(artifacts_dir / f"journey-{name}.png"), full_page=True)


async def link_demo_identity_to_alice(cast: Cast) -> None:
    # The cast's Alice joined with Instagram, which is not a sign-in provider on the test server. She
    # linked a Demo ID account on her Accounts page; we record that link through the same action the
    # Accounts page uses, so the real OAuth sign-in below finds her by provider and subject.
    tokens = TokenSet("", None, None, "")
    identity = ExternalIdentity(
        "demo", ALICE_SUBJECT, "alice@creators.test", True, "Alice Rivera", "alice.outdoors", "", tokens
    )
    await do_link_social_identity(system_actor("test"), cast.alice_id, identity, Encryptor(DEV_SECRET_KEY))


async def test_it_walks_an_offer_from_campaign_to_both_boards(
    page: Page,
    browser: Browser,
    creator_live_server: str,
    oidc_provider: DemoProvider,
    cast: Cast,
    artifacts_dir: Path,
) -> None:
    base = creator_live_server
    today = dt.date.today()
    draft_due, live_due = today + dt.timedelta(days=14), today + dt.timedelta(days=21)
    later_live_due = today + dt.timedelta(days=28)
    await link_demo_identity_to_alice(cast)
    set_provider_user(oidc_provider, ALICE_SUBJECT, {"name": "Alice Rivera", "email": "alice@creators.test"})

    async with desktop_page(browser, artifacts_dir, "journey-bob") as bob:
        # --- Bob: a campaign and its brief -------------------------------------------------------
        await bob.goto(f"{base}/backoffice/signin")
        await bob.get_by_label("Email").fill("bob@acme.test")
        await bob.get_by_label("Password").fill(PASSWORD)
        await bob.get_by_role("button", name="Sign in").click()
        await expect(bob.get_by_role("heading", name="Your brands")).to_be_visible()
        await bob.get_by_role("main").get_by_role("link", name="Acme").click()
        await expect(bob.get_by_role("heading", name="Acme", exact=True)).to_be_visible()
        await bob.get_by_role("link", name="Campaigns").click()
        await expect(bob.get_by_text("No campaigns yet")).to_be_visible()
        await bob.get_by_role("link", name="New campaign").click()

        await bob.get_by_label("Name").fill(CAMPAIGN)
        await bob.get_by_label("Objective").fill("Launch the Trail 2 shoe with runners who film their routes.")
        await bob.get_by_label("Budget").fill("10000")
        await bob.get_by_label("Currency").select_option("USD")
        await bob.get_by_label("Starts").fill(today.isoformat())
        await bob.get_by_label("Ends").fill((today + dt.timedelta(days=60)).isoformat())
        await bob.get_by_role("button", name="Create campaign").click()
        await expect(bob.locator(".flashes")).to_contain_text("Campaign created. Next: write its brief.")
        await expect(bob.get_by_role("heading", name="Brief", exact=True)).to_be_visible()

        await bob.get_by_label("Objectives").fill("Show the Trail 2 on real morning runs.")
        await bob.get_by_label("Audience").fill("Trail runners, 25 to 40, in the US.")
        await bob.get_by_label("Key messages").fill("Grip on wet rock\nLight enough for long days")
        await bob.get_by_label("Required hashtags").fill("#ad #acmetrail")
        await bob.get_by_label("Deliverable 1: what").select_option("reel")
        await bob.get_by_label("Deliverable 1: platform").select_option("instagram")
        await bob.get_by_label("Deliverable 1: description").fill("Sunrise run on a wet trail")
        await bob.get_by_role("button", name="Save draft").click()
        await expect(bob.locator(".flashes")).to_contain_text("Brief version 1 saved as a draft")
        await expect(bob.get_by_label("Key messages")).to_have_value("Grip on wet rock\nLight enough for long days")
        await snap(bob, artifacts_dir, "01-bob-brief")

        await bob.get_by_role("button", name="Publish version 1").click()
        await expect(bob.locator(".flashes")).to_contain_text("Brief version 1 is published")
        await expect(bob.get_by_role("heading", name="Brief · version 1")).to_be_visible()
        await expect(bob.get_by_text("Nobody invited yet.")).to_be_visible()
        await snap(bob, artifacts_dir, "02-bob-campaign")

        # --- Bob: the offer to Alice ------------------------------------------------------------
        await bob.get_by_role("link", name="Invite creators").first.click()
        await expect(bob.get_by_role("heading", name="Send an offer")).to_be_visible()
        await bob.get_by_label("Find a creator by name or handle").fill("alice")
        await bob.get_by_role("button", name="Find").click()
        await bob.get_by_role("link", name="Add Alice Rivera").click()
        await expect(bob.locator(".chosen-creators")).to_contain_text("Alice Rivera")
        # The terms start from the brief: its deliverable, and the usual 50/0/50 payment split.
        await expect(bob.get_by_label("What", exact=True)).to_have_value("reel")
        await expect(bob.get_by_label("Platform", exact=True)).to_have_value("instagram")
        await expect(bob.get_by_label("Title", exact=False).first).to_have_value("Sunrise run on a wet trail")
        await expect(bob.locator("#f-pay_signing")).to_have_value("50")
        await expect(bob.locator("#f-pay_approval")).to_have_value("0")
        await expect(bob.locator("#f-pay_go_live")).to_have_value("50")
        await bob.get_by_label("Draft due", exact=True).fill(draft_due.isoformat())
        await bob.get_by_label("Go-live by", exact=True).fill(live_due.isoformat())
        await bob.get_by_label("Fee (USD)").fill("1200")
        await bob.get_by_label("Message with it").fill("We loved your Boulder loop video.")
        await snap(bob, artifacts_dir, "03-bob-offer-form")
        await bob.get_by_role("button", name="Send the offer").click()
        await expect(bob.locator(".flashes")).to_contain_text("Offer sent to 1 creator.")
        await expect(bob.locator(".notice")).to_contain_text("Waiting for Alice Rivera to answer.")
        offer_url = bob.url
        assert re.search(r"/backoffice/b/acme/offers/\d+$", offer_url), offer_url
        collaboration_id = int(offer_url.rsplit("/", 1)[1])

        # --- Alice, on her phone: signs in with Demo ID and counters ----------------------------
        async def offline(route: Route) -> None:
            await route.abort()  # the stand-in provider's page styles itself from a CDN

        await page.route("https://cdn.jsdelivr.net/**", offline)
        await page.goto(f"{base}/")
        await page.get_by_role("link", name="Sign in with your social account").click()
        await page.get_by_role("link", name="Continue with Demo ID").click()
        await page.get_by_placeholder("sub").fill(ALICE_SUBJECT)
        await page.get_by_role("button", name="Authorize").click()
        await expect(page.get_by_role("heading", name="Hi Alice Rivera")).to_be_visible()
        offers = page.locator("section.dash-section", has=page.get_by_role("heading", name="Offers"))
        await expect(offers).to_contain_text("Acme · US$1,200.00")
        await expect(offers).to_contain_text("Waiting for your answer")
        await snap(page, artifacts_dir, "04-alice-home-offer")

        await offers.get_by_role("link", name=CAMPAIGN).click()
        await expect(page.get_by_role("heading", name=CAMPAIGN)).to_be_visible()
        await expect(page.locator(".lead")).to_contain_text("from Acme · Waiting for your answer")
        await expect(page.locator("ul.terms")).to_contain_text("$1,200.00")
        await snap(page, artifacts_dir, "05-alice-offer")

        await page.get_by_text("Counter: propose other terms").click()
        counter = page.locator("details#counter")
        await expect(counter.get_by_label("Fee (USD)")).to_have_value("1200.00")
        await counter.get_by_label("Fee (USD)").fill("1500")
        await counter.get_by_label("Go-live by", exact=True).fill(later_live_due.isoformat())
        await counter.get_by_label("Message with it").fill("A sunrise shoot takes two mornings; this is my rate.")
        await snap(page, artifacts_dir, "06-alice-counter-form")
        await counter.get_by_role("button", name="Send my counter-offer").click()
        await expect(page.locator(".flashes")).to_contain_text("Counter-offer sent. The brand answers next")
        await expect(page.locator(".lead")).to_contain_text("Waiting for the brand")
        await expect(page.get_by_role("heading", name="What you proposed")).to_be_visible()
        await expect(page.locator("ol.history")).to_contain_text("Fee: US$1,200.00 → US$1,500.00")
        await snap(page, artifacts_dir, "07-alice-countered")

        # --- Bob: sees the counter-offer and accepts it -----------------------------------------
        await bob.reload()
        await expect(bob.locator(".notice")).to_contain_text("Alice Rivera proposed new terms")
        await expect(bob.get_by_role("heading", name="Terms Alice Rivera proposes")).to_be_visible()
        history = bob.locator("ol.history")
        await expect(history).to_contain_text("Fee: US$1,200.00 → US$1,500.00")
        await expect(history).to_contain_text("A sunrise shoot takes two mornings; this is my rate.")
        await snap(bob, artifacts_dir, "08-bob-countered")
        await bob.get_by_role("button", name="Accept these terms").click()
        await expect(bob.locator(".flashes")).to_contain_text("Accepted. The terms are frozen")
        await expect(bob.get_by_role("heading", name="Agreed terms")).to_be_visible()
        deliverables = bob.locator("section.card", has=bob.get_by_role("heading", name="Deliverables"))
        await expect(deliverables).to_contain_text("Reel on Instagram — Sunrise run on a wet trail")
        await snap(bob, artifacts_dir, "09-bob-accepted")

        # The campaign's board: the deliverable is Alice's, due with its draft.
        await bob.get_by_role("link", name=CAMPAIGN).click()
        deals = bob.get_by_role("table").filter(has=bob.get_by_role("columnheader", name="Last change"))
        await expect(deals.filter(has_text="Alice Rivera")).to_contain_text("$1,500.00")
        await snap(bob, artifacts_dir, "10-bob-campaign-agreed")
        await bob.get_by_role("link", name="Deliverables of this campaign").click()
        await expect(bob.get_by_role("heading", name="Deliverables", exact=True)).to_be_visible()
        board_rows = bob.locator("tr.board-row")
        await expect(board_rows).to_have_count(1)
        await expect(board_rows.first).to_contain_text("Reel on Instagram")
        await expect(board_rows.first).to_contain_text("Sunrise run on a wet trail")
        await expect(board_rows.first).to_contain_text("Alice Rivera")
        await expect(board_rows.first).to_contain_text(CAMPAIGN)
        await expect(board_rows.first).to_contain_text("Waiting for the draft")
        await expect(board_rows.first).to_contain_text(draft_due.strftime("%a %d %b %Y"))
        await snap(bob, artifacts_dir, "11-bob-board")

    # --- Alice: her offer is agreed, and the work is on her board ---------------------------------
    await page.reload()
    await expect(page.get_by_role("heading", name="What you agreed")).to_be_visible()
    await expect(page.locator("ul.terms")).to_contain_text("$1,500.00")
    await snap(page, artifacts_dir, "12-alice-agreed")
    await page.get_by_role("link", name="Work").click()
    await expect(page.get_by_role("heading", name="Your work")).to_be_visible()
    work = page.locator("li.work-item")
    await expect(work).to_have_count(1)
    await expect(work.first).to_contain_text("Reel on Instagram — Sunrise run on a wet trail")
    await expect(work.first).to_contain_text(f"For Acme · {CAMPAIGN}")
    await expect(work.first).to_contain_text("Draft to send")
    await expect(work.first).to_contain_text(draft_due.strftime("%a %d %b %Y"))
    await snap(page, artifacts_dir, "13-alice-work")

    await page.get_by_role("link", name="Home").click()
    dash_deliverables = page.locator("section.dash-section", has=page.get_by_role("heading", name="Deliverables"))
    await expect(dash_deliverables).to_contain_text("Reel on Instagram")
    await expect(dash_deliverables).to_contain_text(f"{CAMPAIGN} · Acme")
    await snap(page, artifacts_dir, "14-alice-home-deliverables")

    # The end state behind the screens: one agreed deal with the countered fee, one deliverable.
    deal = await Collaboration.objects().where(Collaboration.id == collaboration_id).first()
    assert deal is not None and deal.status == "accepted" and deal.creator == cast.alice_id
    assert deal.agreed_terms is not None and deal.agreed_at is not None
    agreed = json.loads(deal.agreed_terms) if isinstance(deal.agreed_terms, str) else deal.agreed_terms
    assert agreed["fee_minor"] == 150_000 and agreed["currency"] == "USD" and agreed["split"] == [50, 0, 50]
    assert agreed["deliverables"] == [
        {
            "kind": "reel",
            "platform": "instagram",
            "title": "Sunrise run on a wet trail",
            "draft_due": draft_due.isoformat(),
            "live_due": later_live_due.isoformat(),
        }
    ]
    rows = await Deliverable.select(
        Deliverable.brand, Deliverable.creator, Deliverable.kind, Deliverable.status, Deliverable.due_on
    ).where(Deliverable.collaboration == collaboration_id)
    assert rows == [
        {"brand": cast.acme_id, "creator": cast.alice_id, "kind": "reel", "status": "pending", "due_on": draft_due}
    ]
