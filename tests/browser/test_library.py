"""Bob looks for content he may use: the library at desktop and phone widths. He finds Diego's live reel usable
for Meta partnership ads in the US, downloads it for that channel, is refused for out-of-home, spots the expired
post to take down, proposes a renewal that Diego accepts on his phone (the amendment is his to sign next), and sees
the campaign's rights windows.
Screens are saved as test-artifacts/library-*.png."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.storage_local import LocalStorage
from shared.rights.actions import record_grant
from shared.rights.queries import standing_entries
from shared.rights.rules import day_text, today_utc
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.axe import assert_accessible
from tests.browser.test_content_journey import sign_in_bob
from tests.browser.test_offer_journey import desktop_page
from tests.conftest import Cast
from tests.live_server import serve_app
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")


@pytest.fixture(scope="module")
def library_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app with its files in a folder this test also writes the approved drafts into."""
    folder = tmp_path_factory.mktemp("library-storage")
    with serve_app(
        database_url, tmp_path_factory.mktemp("library") / "server.log", {"STORAGE_URL": f"file://{folder}"}
    ) as base:
        yield base, folder


async def _assets(cast: Cast, folder: Path) -> tuple[int, int, int]:
    """Diego's approved, live reel (usable for organic and Meta ads in CA and US) and his older post whose 30 days
    are over: (Diego, reel, old post)."""
    storage = LocalStorage(folder, secret_key="library-test", base_url="http://127.0.0.1")
    diego = int((await do_create_creator(
        ACTOR, display_name="Diego Alvarez", email="diego@creators.test", country="MX", niches=["food"],
        accounts=[SocialAccount("instagram", "ig-diego", "diego.cocina", 120_400, 3_900)],
    )).id)  # fmt: skip
    reel, _ = await approved_asset(cast, storage, creator_id=diego)
    await check_submit_live(ACTOR, diego, reel, urls=["https://www.instagram.com/reel/abc/"])
    old, _ = await approved_asset(cast, storage, creator_id=diego, channels=("organic",), countries="",
                                  duration="30", unit="days")  # fmt: skip
    await check_submit_live(ACTOR, diego, old, urls=["https://www.instagram.com/reel/old/"])
    await record_grant(ACTOR, old, source="go_live", go_live=today_utc() - dt.timedelta(days=75))
    return diego, reel, old


async def _no_sideways_scroll(page: Page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


async def test_bob_finds_what_he_may_use_and_renews_it(
    browser: Browser, page: Page, library_server: tuple[str, Path], cast: Cast, artifacts_dir: Path
) -> None:
    base, folder = library_server
    diego, reel, old = await _assets(cast, folder)
    [entry] = (await standing_entries([reel]))[reel]
    async with desktop_page(browser, artifacts_dir, "library-desktop") as desk:
        await sign_in_bob(desk, base)
        await desk.goto(f"{base}/backoffice/b/acme")
        await desk.get_by_role("link", name="Library").first.click()
        await expect(desk.get_by_role("heading", name="Content library")).to_be_visible()
        await expect(desk.locator(f"#asset-{old} .library-rights")).to_contain_text("take it down")
        await desk.get_by_label("Usable now for").select_option("paid_meta")
        await desk.get_by_label("in (country code)").fill("US")
        await desk.get_by_role("button", name="Show").click()
        tile = desk.locator(f"#asset-{reel}")
        await expect(tile.locator(".library-rights")).to_have_text(
            f"Usable for organic and paid social (Meta) in CA, US until {day_text(entry.grant.ends_on)}."
        )
        await expect(desk.locator(f"#asset-{old}")).to_have_count(0)
        await desk.screenshot(path=str(artifacts_dir / "library-desktop.png"), full_page=True)
        await assert_accessible(desk, "the library at desktop width")
        await desk.get_by_label("Usable now for").select_option("ooh")
        await desk.get_by_role("button", name="Show").click()
        await expect(desk.locator(".notice")).to_contain_text("nothing is usable for that channel in US today")
        # Download the original for Meta ads in the US; out-of-home is refused.
        await desk.get_by_role("link", name="Clear").click()
        await tile.locator("summary", has_text="Download the original").click()
        await tile.get_by_label("For which channel").select_option("paid_meta")
        await tile.get_by_label("Where it will run (country code)").fill("US")
        async with desk.expect_response(lambda r: "/storage/" in r.url) as download:
            await tile.get_by_role("button", name="Download").click()
        file = await download.value
        assert file.ok and 'filename="trail.mp4"' in (await file.header_value("content-disposition") or "")
        await desk.goto(f"{base}/backoffice/b/acme/library")
        await tile.locator("summary", has_text="Download the original").click()
        await tile.get_by_label("Where it will run (country code)").fill("US")
        await tile.get_by_label("For which channel").select_option("ooh")
        await tile.get_by_role("button", name="Download").click()
        await expect(desk.locator(f"#asset-{reel}").locator(".field-error")).to_have_text(
            "No usage rights cover out-of-home in US today: not downloaded."
        )
        # Bob proposes six more months for US$400; Diego accepts on his phone; the tile shows the new date.
        await desk.get_by_role("link", name="Clear").click()
        await tile.locator("summary", has_text="Renew or revoke").click()
        new_end = entry.grant.ends_on + dt.timedelta(days=183)
        await tile.get_by_label("Until (new last day)").fill(new_end.isoformat())
        await tile.get_by_label("Fee for the extension").fill("400")
        await tile.get_by_role("button", name="Propose renewal").click()
        await expect(desk.locator(".flashes")).to_contain_text("Renewal proposed")
        await expect(desk.locator(f"#asset-{reel} .library-renewal")).to_contain_text("waiting for Diego Alvarez")
        key = secrets.token_hex(32)
        await PostgresSessionStore().set(key, json.dumps({"creator_id": diego}).encode(), expires_in=600)
        await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])
        await page.goto(f"{base}/rights")
        mine = page.locator(f"#asset-{reel}")
        await expect(mine).to_contain_text(f"Acme proposes to keep using it until {day_text(new_end)}, for US$400.00.")
        await _no_sideways_scroll(page)
        await page.screenshot(path=str(artifacts_dir / "library-creator-renewal.png"), full_page=True)
        await assert_accessible(page, "a creator's usage rights with a renewal")
        await mine.get_by_role("button", name="Accept the renewal").click()
        await expect(page.locator(".flashes")).to_contain_text("Renewal accepted")
        await expect(page.locator(".contract-text")).to_contain_text("Usage Rights Extension")
        # Until the amendment is signed by both (tests/browser/test_renewal_journey.py), the old end date stands.
        old_end = day_text(entry.grant.ends_on)
        await page.goto(f"{base}/rights")
        await expect(page.locator(f"#asset-{reel} .library-rights")).to_contain_text(f"until {old_end}")
        await desk.reload()
        await expect(desk.locator(f"#asset-{reel} .library-rights")).to_contain_text(f"until {old_end}")
        await expect(desk.locator(f"#asset-{reel} .library-renewal")).to_contain_text("waits for Diego Alvarez's")
        # One campaign's rights windows, side by side.
        await desk.get_by_label("Campaign").select_option(index=1)
        await desk.get_by_role("button", name="Show").click()
        await expect(desk.get_by_role("heading", name="Rights windows in this campaign")).to_be_visible()
        await desk.screenshot(path=str(artifacts_dir / "library-timeline.png"), full_page=True)
        await assert_accessible(desk, "the library's rights windows")

    await page.context.clear_cookies()
    await sign_in_bob(page, base)
    await page.goto(f"{base}/backoffice/b/acme/library?expired=true")
    await expect(page.locator(f"#asset-{old} .library-rights")).to_contain_text("Expired")
    await expect(page.locator(f"#asset-{reel}")).to_have_count(0)
    await _no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts_dir / "library-phone.png"), full_page=True)
    await assert_accessible(page, "the library on a phone")
