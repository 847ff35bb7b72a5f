"""Self-reported insights in the browser: Alice (on her phone) shares a screenshot of her live reel's insights with
the reach she reads on it; Bob (at a desktop) sees it on the post's page marked "Self-reported" and opens the
screenshot through its signed URL. Every page passes axe. Screens are saved as test-artifacts/results-self-*.png."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from shared.results.demo import insights_png
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.axe import assert_accessible
from tests.conftest import Cast
from tests.live_server import serve_app
from tests.results_fixtures import Platforms, live_reel

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def insights_live_server(
    database_url: str, platforms: Platforms, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    env = {"RAPPORT_PLATFORM_API_BASE": platforms.base_url}
    with serve_app(database_url, tmp_path_factory.mktemp("live-insights") / "server.log", env) as base_url:
        yield base_url


async def _signed_in(page: Page, base: str, data: dict[str, int]) -> None:
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])


async def test_alice_shares_her_insights_and_bob_sees_them_self_reported(
    page: Page, browser: Browser, insights_live_server: str, cast: Cast, tmp_path: Path
) -> None:
    base = insights_live_server
    ARTIFACTS.mkdir(exist_ok=True)
    reel, live_post_id = await live_reel(cast)
    screenshot = tmp_path / "insights.png"
    screenshot.write_bytes(insights_png())

    await _signed_in(page, base, {"creator_id": cast.alice_id})
    await page.goto(f"{base}/work/{reel}")
    await page.get_by_text("Share a screenshot of this post's insights").click()
    await page.get_by_label("Screenshot (PNG, JPEG or WebP, up to 5 MB)").set_input_files(str(screenshot))
    await page.get_by_label("Reach").fill("11050")
    await page.get_by_label("Note (optional)").fill("Reach from the app's insights, day 7.")
    await assert_accessible(page)
    await page.get_by_role("button", name="Share the screenshot").click()
    await expect(page.get_by_text("Screenshot shared with the brand, marked self-reported.")).to_be_visible()
    mine = page.locator(".self-reports")
    await expect(mine.get_by_text("Self-reported")).to_be_visible()
    await expect(mine.get_by_text("11,050")).to_be_visible()
    await assert_accessible(page)
    await page.screenshot(path=str(ARTIFACTS / "results-self-creator.png"), full_page=True)

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    bob = await context.new_page()
    await _signed_in(bob, base, {"staff_id": cast.bob_id})
    await bob.goto(f"{base}/backoffice/b/acme/results/posts/{live_post_id}")
    section = bob.locator("#self-reported")
    await expect(section.get_by_role("heading", name="Self-reported by Alice Rivera")).to_be_visible()
    await expect(section.get_by_text("11,050")).to_be_visible()
    await expect(section.get_by_text("Reach from the app's insights, day 7.")).to_be_visible()
    await assert_accessible(bob)
    await bob.screenshot(path=str(ARTIFACTS / "results-self-brand.png"), full_page=True)
    href = await section.get_by_role("link", name="View").get_attribute("href")
    assert href is not None
    image = await bob.request.get(f"{base}{href}")
    assert image.status == 200 and image.headers["content-type"] == "image/png"
    assert (await image.body()) == insights_png()
    await context.close()
