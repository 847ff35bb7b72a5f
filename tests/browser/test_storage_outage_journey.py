"""The object store can't be reached (S3 mode; moto's server killed by its PID): as Alice starts an upload in the
browser, Uppy's box says so in our words and no draft is written; on Bob's review page, the draft's video says in
words that it can't be shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from shared.db.engine import RapportEngine
from shared.integrations.storage_s3 import S3Storage
from shared.web.errors import STORAGE_UNAVAILABLE
from tests.browser_fixtures import accessibility_checked
from tests.conftest import Cast
from tests.live_server import serve_app
from tests.personas import sign_in_browser
from tests.review_helpers import REEL, acme_deliverables, submitted_draft
from tests.storage_fixtures import AWS_TEST_ENV, Moto, create_bucket

CLIP = Path(__file__).resolve().parent.parent / "fixtures" / "clip.mp4"


@pytest.fixture
def bucket(moto: Moto) -> str:
    return create_bucket(moto.endpoint)


@pytest.fixture
def outage_server(database_url: str, moto: Moto, bucket: str, tmp_path: Path) -> Iterator[str]:
    env = {**AWS_TEST_ENV, "STORAGE_URL": f"s3://{bucket}", "S3_ENDPOINT_URL": moto.endpoint}
    with serve_app(database_url, tmp_path / "server.log", env) as base_url:
        yield base_url


async def test_alice_is_told_the_file_store_cannot_be_reached(
    page: Page, outage_server: str, moto: Moto, cast: Cast, engine: RapportEngine
) -> None:
    base = outage_server
    deliverable = (await acme_deliverables(cast))[REEL]
    await sign_in_browser(page, base, {"creator_id": cast.alice_id})
    await page.goto(f"{base}/work/{deliverable}")
    uploader = page.locator("#uploader")
    await expect(uploader.locator(".uppy-Dashboard-AddFiles").first).to_be_visible()
    await accessibility_checked(page)  # the page as it opens, before Uppy shows a picked file of its own markup
    moto.stop()
    await uploader.locator("input.uppy-Dashboard-input[type=file]").first.set_input_files(CLIP)
    await uploader.get_by_role("button", name="Upload 1 file").click()
    await expect(page.locator("[data-upload-error]")).to_have_text(STORAGE_UNAVAILABLE, timeout=30_000)
    # Nothing was saved: the file is back with the picker, to be sent again (not left in Uppy's error state).
    await expect(uploader.locator(".uppy-Dashboard-AddFiles").first).to_be_visible()
    await expect(uploader.locator(".uppy-Dashboard-Item")).to_have_count(0)
    assert (await engine.fetch("SELECT count(*) AS n FROM draft"))[0]["n"] == 0


async def test_bob_is_told_the_draft_cannot_be_shown(
    page: Page, outage_server: str, moto: Moto, bucket: str, cast: Cast
) -> None:
    deliverable = (await acme_deliverables(cast))[REEL]
    async with httpx.AsyncClient() as browser:  # Alice's draft, its part PUT straight to the store
        draft = await submitted_draft(
            browser, S3Storage(bucket, endpoint_url=moto.endpoint), cast.alice_id, deliverable
        )
    moto.stop()
    await sign_in_browser(page, outage_server, {"staff_id": cast.bob_id})
    await page.goto(f"{outage_server}/backoffice/b/acme/reviews/{draft}")
    await expect(page.locator("[data-media-failed]")).to_have_text(
        "The file can't be shown right now: it could not be loaded from the file store. Reload the page in a minute."
    )
    await expect(page.get_by_role("button", name="Send the decision")).to_be_visible()  # deciding still works
