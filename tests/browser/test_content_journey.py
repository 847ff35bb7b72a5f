"""Issue #5's journey, in two browsers: Alice (on her phone) uploads a real video through Uppy, watches its
progress, confirms the disclosure and sends it; Bob (at a desktop) finds it in the review queue, comments at a
moment of the video and requests changes; Alice sees the feedback, seeks to it and sends round 2; Bob approves.
Key screens are saved as test-artifacts/content-*.png for people to look at.

The clips in tests/fixtures are real H.264 MP4s (ffmpeg's test patterns, made once and committed, so CI needs
no ffmpeg): clip.mp4 is 3 s long, clip-round2.mp4 4 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Locator, Page, Route, expect

from shared.db.tables import Deliverable, Draft, DraftComment
from shared.integrations.oauth_demo_provider import DemoProvider
from tests.axe import assert_accessible
from tests.browser.test_offer_journey import ALICE_SUBJECT, desktop_page, link_demo_identity_to_alice
from tests.browser_fixtures import accessibility_checked
from tests.conftest import PASSWORD, Cast
from tests.factories import agreed_deal
from tests.live_server import serve_app
from tests.oidc_fixtures import set_provider_user

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ROUND_1_CLIP = FIXTURES / "clip.mp4"
ROUND_2_CLIP = FIXTURES / "clip-round2.mp4"
# Passes Instagram's rules and the brief (tests/factories.py BRIEF: #ad #acmetrail, @acme).
CAPTION = "#ad Paid partnership with @acme: sunrise on the ridge in the Trail 2 pack. #acmetrail"
CAPTION_2 = "#ad Paid partnership with @acme: the ridge again, logo in the first second. #acmetrail"
COMMENT = "Show the logo on the pack a little earlier, around here."
INTERNAL = "Legal is fine with the music."


@pytest.fixture(scope="module")
def content_live_server(
    database_url: str, oidc_provider: DemoProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like `creator_live_server`, with files stored in a temp dir (the default would be the repo's ./var/storage)."""
    demo = oidc_provider.settings()
    env = {
        "RAPPORT_OIDC_DEMO_ISSUER": demo.issuer,
        "RAPPORT_OIDC_DEMO_CLIENT_ID": demo.client_id,
        "RAPPORT_OIDC_DEMO_CLIENT_SECRET": demo.client_secret,
        "RAPPORT_OIDC_DEMO_LABEL": demo.label,
        "STORAGE_URL": f"file://{tmp_path_factory.mktemp('live-content-storage')}",
    }
    with serve_app(database_url, tmp_path_factory.mktemp("live-content") / "server.log", env) as base_url:
        yield base_url


class Gate:
    """Holds the browser's matching requests until opened, so the screen in between can be looked at."""

    def __init__(self) -> None:
        self.arrived = asyncio.Event()
        self.opened = asyncio.Event()

    async def handle(self, route: Route) -> None:
        self.arrived.set()
        await self.opened.wait()
        await route.continue_()


def is_part_upload(url: str) -> bool:
    return "/storage/parts/" in urlsplit(url).path


def is_verification(url: str) -> bool:
    # uploads.js completes through the JSON endpoint (verification) before Uppy's own ?as=s3 request.
    parts = urlsplit(url)
    return parts.path.endswith("/complete") and "as=s3" not in parts.query


async def tap_target(element: Locator) -> None:
    """Big enough for a thumb: at least 44 px tall (WCAG 2.5.5)."""
    box = await element.bounding_box()
    assert box is not None and box["height"] >= 44, f"{await element.text_content()!r} is {box} — under 44 px"


async def snap(page: Page, artifacts_dir: Path, name: str) -> None:
    await page.screenshot(path=str(artifacts_dir / f"content-{name}.png"), full_page=True)


async def metadata(video: Locator) -> float:
    """Wait until the browser has read the video's header (it can play it); its duration in seconds."""
    return float(
        await video.evaluate(
            """v => v.readyState >= 1 ? v.duration : new Promise((ok, fail) => {
                 v.addEventListener("loadedmetadata", () => ok(v.duration), {once: true});
                 v.addEventListener("error", () => fail(new Error("video error " + (v.error && v.error.code))),
                                    {once: true});
               })"""
        )
    )


async def seek_to(video: Locator, seconds: float) -> None:
    """Move the player to a moment, as dragging its scrubber does, and wait until it is there."""
    await video.evaluate(
        """(v, at) => new Promise(ok => {
             v.addEventListener("seeked", () => ok(), {once: true});
             v.pause();
             v.currentTime = at;
           })""",
        seconds,
    )


async def played_from(video: Locator, seconds: float) -> None:
    """The player jumped to that moment (it may go on playing from there)."""
    handle = await video.element_handle()
    await video.page.wait_for_function(
        "([v, at]) => Math.abs(v.currentTime - at) < 0.25", arg=[handle, seconds], timeout=5000
    )


async def upload_through_uppy(page: Page, artifacts_dir: Path, clip: Path, round_: int) -> None:
    """Pick the file in Uppy's dashboard and upload it, looking at the progress on the way; ends on the
    deliverable page the upload returns to."""
    uploader = page.locator("#uploader")
    await expect(uploader.locator(".uppy-Dashboard-AddFiles, .uppy-Dashboard-Item").first).to_be_visible()
    # A finished upload is never offered for "restore" (uploads.js lets Golden Retriever save the cleared
    # state before leaving): the picker is there, with nothing left over from the last round.
    await expect(uploader).not_to_contain_text("Session restored")
    assert not await uploader.locator(".uppy-Dashboard-Item").count()
    await accessibility_checked(page)  # the page as it opened, before Uppy shows the picked file
    await uploader.locator("input.uppy-Dashboard-input[type=file]").first.set_input_files(clip)
    item = uploader.locator(".uppy-Dashboard-Item")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text(clip.name)
    await assert_accessible(page, "the upload page with a file picked in Uppy")
    status = uploader.locator(".uppy-StatusBar")

    # The part is held on its way to storage: Uppy shows the upload running.
    parts, verification = Gate(), Gate()
    await page.route(is_part_upload, parts.handle)
    await page.route(is_verification, verification.handle)
    await uploader.get_by_role("button", name="Upload 1 file").click()
    await asyncio.wait_for(parts.arrived.wait(), 15)
    await expect(status).to_contain_text("Uploading")
    await snap(page, artifacts_dir, f"r{round_}-02-uploading")
    parts.opened.set()

    # Every byte is in storage; the server is verifying the file: the bar is full.
    await asyncio.wait_for(verification.arrived.wait(), 15)
    await expect(status).to_contain_text("100%")
    await snap(page, artifacts_dir, f"r{round_}-03-uploaded-100")
    async with page.expect_navigation():
        verification.opened.set()
    await page.unroute(is_part_upload)
    await page.unroute(is_verification)


async def sign_in_alice(page: Page, base: str) -> None:
    async def offline(route: Route) -> None:
        await route.abort()  # the stand-in provider's page styles itself from a CDN

    await page.route("https://cdn.jsdelivr.net/**", offline)
    await page.goto(f"{base}/")
    await page.get_by_role("link", name="Sign in with your social account").click()
    await page.get_by_role("link", name="Continue with Demo ID").click()
    await page.get_by_placeholder("sub").fill(ALICE_SUBJECT)
    await page.get_by_role("button", name="Authorize").click()
    await expect(page.get_by_role("heading", name="Hi Alice Rivera")).to_be_visible()


async def sign_in_bob(bob: Page, base: str) -> None:
    await bob.goto(f"{base}/backoffice/signin")
    await bob.get_by_label("Email").fill("bob@acme.test")
    await bob.get_by_label("Password").fill(PASSWORD)
    await bob.get_by_role("button", name="Sign in").click()
    await expect(bob.get_by_role("heading", name="Your brands")).to_be_visible()


async def check_and_send(page: Page, artifacts_dir: Path, version: int, round_: int) -> None:
    """The verified draft: its check asks for the on-screen and spoken disclosure; Alice confirms and sends."""
    latest = page.locator("section.content-latest")
    await expect(latest.get_by_role("heading", name=f"Draft {version} · Ready")).to_be_visible()
    await expect(page.locator(".round-label")).to_have_text(f"Round {round_} of 3")
    video = latest.locator("video.draft-player")
    await expect(video).to_be_visible()
    assert await metadata(video) > 2.5  # her own file plays back from storage
    confirm = latest.get_by_label("The video shows the disclosure on screen and I say it out loud")
    await expect(confirm).not_to_be_checked()
    await expect(latest.locator(".disclosure-result")).to_contain_text("Blocked: fix before this can be approved")
    await snap(page, artifacts_dir, f"r{round_}-04-alice-verified")

    await assert_accessible(page, f"the deliverable page, draft {version} verified and not yet confirmed")
    await expect(latest.get_by_text("Tick the box above")).to_be_visible()
    # One caption on the page: the draft's (a new version would take it too).
    await expect(page.locator("textarea[name=caption]")).to_have_count(1)
    await tap_target(latest.locator("label.checkbox"))

    if round_ == 1:
        # The same page at a desktop's width, looked at too.
        await page.set_viewport_size({"width": 1280, "height": 900})
        await snap(page, artifacts_dir, "r1-04-alice-verified-desktop")
        await assert_accessible(page, "the deliverable page at desktop width")
        await page.set_viewport_size({"width": 390, "height": 844})
        # Send without the tick: refused, with what is missing, and the caption kept.
        await latest.get_by_role("button", name=f"Send draft {version} for review").click()
        await expect(page.get_by_role("alert")).to_contain_text("Must fix")
        await expect(page.locator("#caption-edit")).not_to_be_empty()
        await expect(
            latest.get_by_label("The video shows the disclosure on screen and I say it out loud")
        ).not_to_be_checked()
        await assert_accessible(page, "the deliverable page after a refused send")

    # As a person does it: tick the box, then Send. The tick goes with the draft.
    await latest.get_by_label("The video shows the disclosure on screen and I say it out loud").check()
    await latest.get_by_role("button", name=f"Send draft {version} for review").click()
    await expect(page.locator(".flashes")).to_contain_text("Sent for review.")
    await expect(page.locator(".status-pill")).to_have_text("Draft sent, the brand is reviewing")
    await expect(page.locator(".round-label")).to_have_text(f"Round {round_} of 3")
    await expect(page.locator("section.content-latest h2")).to_contain_text("Sent for review")
    await expect(page.locator("#uploader")).to_have_count(0)  # nothing more to upload while the brand reviews
    await snap(page, artifacts_dir, f"r{round_}-05-alice-sent")
    await assert_accessible(page, f"the deliverable page, draft {version} sent")


async def open_review(bob: Page, artifacts_dir: Path, version: int, round_: int) -> None:
    """From the review queue: Alice's draft is the one waiting; Bob opens it."""
    await expect(bob.get_by_role("heading", name="Drafts to review")).to_be_visible()
    items = bob.locator("li.review-item")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("Alice Rivera · Reel on Instagram")
    await expect(items.first).to_contain_text(f"version {version}")
    await expect(items.first).to_contain_text(f"Round {round_} of 3")
    await snap(bob, artifacts_dir, f"r{round_}-06-bob-queue")
    await items.first.get_by_role("link", name="Alice Rivera · Reel on Instagram").click()
    await expect(bob.get_by_role("heading", name="Alice Rivera · Reel on Instagram")).to_be_visible()
    await expect(bob.locator(".page-head .round-tag")).to_have_text(f"Round {round_} of 3")


async def test_it_uploads_reviews_and_approves_a_video_draft(
    page: Page,
    browser: Browser,
    content_live_server: str,
    oidc_provider: DemoProvider,
    cast: Cast,
    artifacts_dir: Path,
) -> None:
    base = content_live_server
    deal = await agreed_deal(cast)  # a reel on Instagram; 2 rounds of changes, so "of 3"
    [deliverable] = await Deliverable.select(Deliverable.id).where(Deliverable.collaboration == deal.collaboration_id)
    deliverable_id = deliverable["id"]
    await link_demo_identity_to_alice(cast)
    set_provider_user(oidc_provider, ALICE_SUBJECT, {"name": "Alice Rivera", "email": "alice@creators.test"})

    # --- Alice, on her phone: round 1 --------------------------------------------------------------
    await sign_in_alice(page, base)
    await page.get_by_role("link", name="Work").click()
    await page.get_by_role("link", name="Reel on Instagram — Reel 1").click()
    await expect(page.get_by_role("heading", name="Reel on Instagram — Reel 1")).to_be_visible()
    assert page.url == f"{base}/work/{deliverable_id}"
    await expect(page.locator(".status-pill")).to_have_text("Draft to send")
    await expect(page.locator(".round-label")).to_have_text("Round 1 of 3")
    await expect(page.get_by_role("heading", name="Upload your draft")).to_be_visible()

    await page.locator("#caption").fill(CAPTION)
    await page.get_by_role("button", name="Check my caption").click()
    await expect(page.locator("#caption-check .disclosure-result")).to_be_visible()
    # On a phone the upload area's first action is choosing the file, a real button.
    browse = page.locator("#uploader .uppy-Dashboard-browse")
    await expect(browse).to_have_text("Choose a video")
    await tap_target(browse)
    for link in await page.locator(".topnav a").all():
        await tap_target(link)
    await snap(page, artifacts_dir, "r1-01-alice-deliverable")
    await assert_accessible(page, "the deliverable page before any upload")

    await upload_through_uppy(page, artifacts_dir, ROUND_1_CLIP, 1)
    await expect(page.locator("#caption-edit")).to_have_value(CAPTION)  # the caption went with the file
    await check_and_send(page, artifacts_dir, version=1, round_=1)

    async with desktop_page(browser, artifacts_dir, "content-bob") as bob:
        # --- Bob, at his desk: the draft in the queue, a comment at 0:01, changes requested ------------
        await sign_in_bob(bob, base)
        await bob.get_by_role("main").get_by_role("link", name="Acme").click()
        await bob.get_by_role("link", name="Reviews 1 waiting").click()
        await open_review(bob, artifacts_dir, version=1, round_=1)
        review = bob.locator("section.review-compare")
        await expect(review.locator(".review-previous")).to_have_count(0)
        await expect(review.locator(".caption-text")).to_have_text(CAPTION)
        await expect(bob.locator(".disclosure-result")).to_contain_text("Pass: disclosure looks right")
        await expect(bob.get_by_text("The creator confirmed the disclosure is on screen and spoken.")).to_be_visible()
        video = review.locator("video.review-player")
        assert round(await metadata(video)) == 3
        await snap(bob, artifacts_dir, "r1-07-bob-review")

        await seek_to(video, 1.5)
        form = bob.locator("form[data-comment-form]")
        at_current = form.get_by_label("At the current time of the video")
        await expect(form.locator(".at-now")).to_have_text(" (0:01)")
        await at_current.check()  # pausing ticks it already; ticking again is what a careful person does
        await form.get_by_label("Comment").fill(COMMENT)
        await expect(form.get_by_label("Shared with Alice Rivera")).to_be_checked()
        await form.get_by_role("button", name="Add the comment").click()
        await expect(bob.locator(".flashes")).to_contain_text("Comment shared with the creator.")
        comment = bob.locator("section.review-comments li.comment").filter(has_text=COMMENT)
        await expect(comment.get_by_role("button", name="at 0:01")).to_be_visible()
        await expect(comment.locator(".visibility-tag")).to_have_text("Shared with the creator")

        form = bob.locator("form[data-comment-form]")
        await form.get_by_label("Comment").fill(INTERNAL)
        await form.get_by_label("At the current time of the video").uncheck()
        await form.get_by_label("Internal: only Acme’s team").check()
        await form.get_by_role("button", name="Add the comment").click()
        await expect(bob.locator(".flashes")).to_contain_text("Internal comment added.")
        internal = bob.locator("section.review-comments li.comment").filter(has_text=INTERNAL)
        await expect(internal.locator(".visibility-tag")).to_have_text("Internal")
        await expect(internal.locator(".seek-button, .seek-label")).to_have_count(0)

        # The seek button plays the video from the comment's moment.
        await seek_to(bob.locator("section.review-compare video.review-player"), 0)
        await comment.get_by_role("button", name="at 0:01").click()
        await played_from(bob.locator("section.review-compare video.review-player"), 1.5)
        await snap(bob, artifacts_dir, "r1-08-bob-commented")

        decision = bob.locator("section.review-decision")
        await decision.get_by_label("Changes requested").check()
        await decision.get_by_role("button", name="Send the decision").click()
        await expect(bob.locator(".flashes")).to_contain_text("Changes requested. The creator has been told.")
        await expect(bob.get_by_text("Nothing to review.")).to_be_visible()
        await snap(bob, artifacts_dir, "r1-09-bob-queue-empty")

        # --- Alice: the feedback, a seek to its moment, round 2 ----------------------------------------
        await page.reload()
        await expect(page.locator(".status-pill")).to_have_text("Changes asked: send a new draft")
        await expect(page.locator(".round-label")).to_have_text("Round 2 of 3")
        feedback = page.locator("section.draft-feedback")
        version_1 = feedback.locator("article.feedback-version").first
        await expect(version_1.get_by_role("heading")).to_contain_text("Version 1")
        await expect(version_1.get_by_role("heading")).to_contain_text("Round 1 of 3")
        await expect(version_1.get_by_role("heading")).to_contain_text("Changes requested")
        await expect(version_1).to_contain_text("The brand asked for changes")
        await expect(version_1).to_contain_text(COMMENT)
        await expect(feedback).not_to_contain_text(INTERNAL)  # internal comments stay with the brand
        player = page.locator("section.content-latest video.draft-player")
        await metadata(player)
        await version_1.get_by_role("button", name="at 0:01").click()
        await played_from(player, 1.5)
        await expect(page.get_by_role("heading", name="Upload a new version")).to_be_visible()
        await snap(page, artifacts_dir, "r2-01-alice-changes-requested")
        await assert_accessible(page, "the deliverable page with changes requested")

        await page.locator("#caption").fill(CAPTION_2)
        await upload_through_uppy(page, artifacts_dir, ROUND_2_CLIP, 2)
        await expect(page.locator("#caption-edit")).to_have_value(CAPTION_2)
        await check_and_send(page, artifacts_dir, version=2, round_=2)

        # --- Bob: round 2 beside round 1, approved ---------------------------------------------------
        await bob.reload()  # the queue he left empty
        await open_review(bob, artifacts_dir, version=2, round_=2)
        review = bob.locator("section.review-compare")
        await expect(review.locator(".review-previous")).to_contain_text("Previous version · version 1")
        await expect(review.locator(".review-previous")).to_contain_text("Changes requested")
        await expect(review.locator(".previous-comments")).to_contain_text(COMMENT)
        current = review.locator("figure.review-media").first
        await expect(current.locator(".caption-text")).to_have_text(CAPTION_2)
        assert round(await metadata(current.locator("video"))) == 4
        assert round(await metadata(review.locator(".review-previous video"))) == 3
        await snap(bob, artifacts_dir, "r2-07-bob-review")

        decision = bob.locator("section.review-decision")
        await decision.get_by_label("Approved", exact=True).check()
        await decision.get_by_role("button", name="Send the decision").click()
        await expect(bob.locator(".flashes")).to_contain_text("Approved. The creator has been told.")
        await expect(bob.get_by_text("Nothing to review.")).to_be_visible()

    # --- Alice: approved, ready to publish --------------------------------------------------------------
    await page.reload()
    await expect(page.locator(".status-pill")).to_have_text("Approved: publish it")
    await expect(page.locator(".round-label")).to_have_text("Round 2 of 3")
    newest = page.locator("section.draft-feedback article.feedback-version").first
    await expect(newest.get_by_role("heading")).to_contain_text("Version 2")
    await expect(newest.get_by_role("heading")).to_contain_text("Approved")
    await expect(newest).to_contain_text("You can publish it and send the live link.")
    await expect(page.get_by_role("heading", name="Posted it? Add the link")).to_be_visible()
    await expect(page.locator("#uploader")).to_have_count(0)
    await snap(page, artifacts_dir, "r2-10-alice-approved")
    await assert_accessible(page, "the deliverable page once approved")

    # The end state behind the screens.
    row = await Deliverable.select(Deliverable.status).where(Deliverable.id == deliverable_id).first()
    assert row == {"status": "approved"}
    drafts = await (
        Draft.select(
            Draft.id,
            Draft.version,
            Draft.upload_state,
            Draft.filename,
            Draft.content_type,
            Draft.size,
            Draft.caption,
            Draft.disclosure_result,
            Draft.disclosure_confirmed,
            Draft.decision,
            Draft.decided_by,
        )
        .where(Draft.deliverable == deliverable_id)
        .order_by(Draft.version)
    )
    assert [{k: v for k, v in d.items() if k != "id"} for d in drafts] == [
        {
            "version": 1,
            "upload_state": "verified",
            "filename": "clip.mp4",
            "content_type": "video/mp4",
            "size": ROUND_1_CLIP.stat().st_size,
            "caption": CAPTION,
            "disclosure_result": "pass",
            "disclosure_confirmed": True,
            "decision": "changes_requested",
            "decided_by": cast.bob_id,
        },
        {
            "version": 2,
            "upload_state": "verified",
            "filename": "clip-round2.mp4",
            "content_type": "video/mp4",
            "size": ROUND_2_CLIP.stat().st_size,
            "caption": CAPTION_2,
            "disclosure_result": "pass",
            "disclosure_confirmed": True,
            "decision": "approved",
            "decided_by": cast.bob_id,
        },
    ]
    comments = await DraftComment.select(
        DraftComment.draft,
        DraftComment.author_kind,
        DraftComment.author_id,
        DraftComment.body,
        DraftComment.at_ms,
        DraftComment.shared,
    ).order_by(DraftComment.id)
    assert comments == [
        {
            "draft": drafts[0]["id"],
            "author_kind": "staff",
            "author_id": cast.bob_id,
            "body": COMMENT,
            "at_ms": 1500,
            "shared": True,
        },
        {
            "draft": drafts[0]["id"],
            "author_kind": "staff",
            "author_id": cast.bob_id,
            "body": INTERNAL,
            "at_ms": None,
            "shared": False,
        },
    ]
