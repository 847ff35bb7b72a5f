"""Self-reported insights: a creator shares a screenshot of a live post's insights (and the numbers it shows);
it is stored, audited, shown to the brand and to her marked "self-reported", the screenshot through a signed URL;
nobody else can add to her post or see another brand's screenshot."""

from __future__ import annotations

import httpx
import pytest

from shared.audit.context import system_actor
from shared.db.tables import AuditLog, Notification, SelfReportedReading
from shared.errors import InvalidInput, NotFound
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.storage_factory import storage_from_settings
from shared.results.insights import (
    SCREENSHOT_MAX_BYTES,
    check_screenshot,
    do_report_insights,
    list_self_reports,
    screenshot_url_for_brand,
    screenshot_url_for_creator,
    sniff_image,
)
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from
from tests.personas import act_as_creator, act_as_staff
from tests.results_fixtures import PNG_SCREENSHOT, live_reel

ACTOR = system_actor("test")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


async def _bilal() -> int:
    bilal = await do_create_creator(
        ACTOR, display_name="Bilal Khan", email="bilal@creators.test", country="GB", niches=["tech"],
        accounts=[SocialAccount("youtube", "yt-bilal", "BilalTech", 870_000)],
    )  # fmt: skip
    return int(bilal.id)


@pytest.mark.parametrize(
    ("data", "kind", "error"),
    [
        (PNG_SCREENSHOT, ("image/png", "png"), None),
        (JPEG, ("image/jpeg", "jpg"), None),
        (WEBP, ("image/webp", "webp"), None),
        (b"", None, "Choose a screenshot of the post's insights (PNG, JPEG or WebP)."),
        (b"%PDF-1.7\n" + b"\x00" * 64, None, "That file is not a PNG, JPEG or WebP image."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None, "That file is not a PNG, JPEG or WebP image."),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None, "That file is not a PNG, JPEG or WebP image."),
        (PNG_SCREENSHOT + b"\x00" * SCREENSHOT_MAX_BYTES, None,
         "The screenshot is over 5 MB; crop it or save it as JPEG."),
    ],
)  # fmt: skip
def test_only_small_images_are_taken(data: bytes, kind: tuple[str, str] | None, error: str | None) -> None:
    assert check_screenshot(data) == (kind, error)
    if error is None:
        assert sniff_image(data) == kind


async def test_alice_shares_her_insights_and_acme_sees_them_self_reported(cast: Cast, settings: Settings) -> None:
    storage = storage_from_settings(settings)
    reel, live_post_id = await live_reel(cast)
    numbers = {"views": 14_200, "reach": 11_050, "likes": None, "comments": None, "shares": None, "saves": 310}
    report = await do_report_insights(
        ACTOR, cast.alice_id, reel, live_post_id, screenshot=PNG_SCREENSHOT, numbers=numbers,
        note="Reach from Instagram's insights, day 7.", storage=storage,
    )  # fmt: skip
    row = await SelfReportedReading.objects().where(SelfReportedReading.id == report).first()
    assert row is not None and row.source == "self-reported" and row.views == 14_200 and row.likes is None
    assert row.screenshot_type == "image/png" and row.screenshot_bytes == len(PNG_SCREENSHOT)
    assert await storage.get_bytes(row.screenshot_key) == PNG_SCREENSHOT
    audit = await AuditLog.objects().where(AuditLog.action == "live_post.self_reported").first()
    assert audit is not None and audit.brand == cast.acme_id
    assert await Notification.exists().where(Notification.kind == "live_post.self_reported")
    (seen,) = await list_self_reports(cast.acme_id, live_post_id)
    assert [c.text for c in seen.cells] == ["14,200", "11,050", "not typed", "not typed", "not typed", "310"]
    assert await list_self_reports(cast.globex_id, live_post_id) == []  # another brand sees nothing
    assert await screenshot_url_for_brand(storage, cast.acme_id, live_post_id, report)
    assert await screenshot_url_for_creator(storage, cast.alice_id, reel, report)
    with pytest.raises(NotFound):
        await screenshot_url_for_brand(storage, cast.globex_id, live_post_id, report)
    with pytest.raises(NotFound):
        await screenshot_url_for_creator(storage, await _bilal(), reel, report)


async def test_nobody_else_reports_on_her_post_and_bad_input_writes_nothing(cast: Cast, settings: Settings) -> None:
    storage = storage_from_settings(settings)
    reel, live_post_id = await live_reel(cast)
    with pytest.raises(NotFound):
        await do_report_insights(
            ACTOR, await _bilal(), reel, live_post_id, screenshot=PNG_SCREENSHOT, numbers={}, note="", storage=storage
        )
    with pytest.raises(InvalidInput) as bad:
        await do_report_insights(
            ACTOR, cast.alice_id, reel, live_post_id, screenshot=b"GIF89a", numbers={"views": -1}, note="x" * 1001,
            storage=storage,
        )  # fmt: skip
    assert set(bad.value.errors) == {"screenshot", "views", "note"}
    assert await SelfReportedReading.count() == 0
    assert not await AuditLog.exists().where(AuditLog.action == "live_post.self_reported")


async def test_over_http_the_creator_uploads_and_bob_opens_the_screenshot(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    reel, live_post_id = await live_reel(cast)
    await act_as_creator(client, cast.alice_id)
    page = await client.get(f"/work/{reel}")
    assert page.status_code == 200 and "Share a screenshot of this post's insights" in page.text
    token = csrf_token_from(page.text)
    url = f"/work/{reel}/posts/{live_post_id}/insights"
    # Not an image: the page again with the reason, nothing stored.
    refused = await client.post(
        url, data={"_csrf_token": token, "views": "12"}, files={"screenshot": ("x.png", b"not an image", "image/png")}
    )
    assert refused.status_code == 400 and "That file is not a PNG, JPEG or WebP image." in refused.text
    assert await SelfReportedReading.count() == 0
    sent = await client.post(
        url,
        data={"_csrf_token": token, "views": "14200", "reach": "", "note": "Day 7"},
        files={"screenshot": ("insights.png", PNG_SCREENSHOT, "image/png")},
    )
    assert sent.status_code == 200 and "Screenshot shared with the brand, marked self-reported." in sent.text
    mine = await client.get(f"/work/{reel}")
    assert "Your insights (self-reported)" in mine.text and "14,200" in mine.text and "not typed" in mine.text
    row = await SelfReportedReading.objects().first()
    assert row is not None
    opened = await client.get(f"/work/{reel}/insights/{row.id}/screenshot", follow_redirects=False)
    assert opened.status_code == 303
    image = await client.get(opened.headers["location"])
    assert image.status_code == 200 and image.content == PNG_SCREENSHOT
    # Bob, at Acme, sees it on the post's page marked self-reported, and opens the screenshot.
    await act_as_staff(client, cast.bob_id)
    post = await client.get(f"/backoffice/b/acme/results/posts/{live_post_id}")
    assert post.status_code == 200 and "Self-reported by Alice" in post.text and "14,200" in post.text
    assert "Day 7" in post.text
    view = await client.get(
        f"/backoffice/b/acme/results/posts/{live_post_id}/insights/{row.id}", follow_redirects=False
    )
    assert view.status_code == 303
    assert (await client.get(view.headers["location"])).content == PNG_SCREENSHOT
