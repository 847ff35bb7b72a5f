"""Pages on a phone network: the main pages of both sides, loaded by Chromium throttled to a slow 4G link.

The link is Chromium's own network emulation (CDP Network.emulateNetworkConditions) at 1.6 Mbit/s down,
750 kbit/s up and 150 ms latency. For each page the browser's cache is emptied, the page loaded (first
visit), then loaded again (a later visit). The test holds what does not depend on the machine's speed:

- a first visit moves at most FIRST_LOAD_BUDGET bytes: what the link carries in 1.5 s once four round
  trips of latency are paid (HTML, then CSS and scripts in parallel, then what they ask for);
- a later visit moves no static bytes at all (hashed names + `immutable`: no download, no revalidation).

The times the browser measured (navigation start to the load event) are written to
test-artifacts/page-load.json and printed; docs/performance.md records them with the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, CDPSession, Page, expect

from shared.db.tables import Deliverable
from shared.integrations.oauth_demo_provider import DemoProvider
from tests.browser.test_offer_journey import ALICE_SUBJECT, desktop_page, link_demo_identity_to_alice
from tests.conftest import PASSWORD, Cast
from tests.factories import agreed_deal, offer_to
from tests.oidc_fixtures import set_provider_user

BYTES_PER_SECOND = 1_600_000 // 8  # 1.6 Mbit/s
LATENCY_MS = 150
UPLOAD_BYTES_PER_SECOND = 750_000 // 8
TARGET_SECONDS = 1.5
FIRST_LOAD_BUDGET = int((TARGET_SECONDS - 4 * LATENCY_MS / 1000) * BYTES_PER_SECOND)  # 180,000 bytes

MEASURE = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const isStatic = (r) => new URL(r.name).pathname.startsWith("/static/");
  const sum = (list) => list.reduce((total, r) => total + r.transferSize, 0);
  return {
    load_ms: Math.round(nav.loadEventEnd - nav.startTime),
    html_bytes: nav.transferSize,
    static_bytes: sum(resources.filter(isStatic)),
    static_files: resources.filter(isStatic).map((r) => new URL(r.name).pathname.split("/").pop()),
    total_bytes: nav.transferSize + sum(resources),
  };
}"""


async def throttle(page: Page) -> CDPSession:
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_SECOND,
            "uploadThroughput": UPLOAD_BYTES_PER_SECOND,
        },
    )
    return cdp


async def visit(page: Page, url: str) -> dict[str, Any]:
    await page.goto(url, wait_until="load")
    figures: dict[str, Any] = await page.evaluate(MEASURE)
    return figures


async def measure(page: Page, cdp: CDPSession, side: str, name: str, url: str) -> dict[str, Any]:
    await cdp.send("Network.clearBrowserCache")
    first = await visit(page, url)
    again = await visit(page, url)
    return {"side": side, "page": name, "path": url.split("/", 3)[3], "first": first, "repeat": again}


async def test_main_pages_load_fast_on_a_phone_network_and_reuse_static_files(
    page: Page,
    browser: Browser,
    creator_live_server: str,
    oidc_provider: DemoProvider,
    cast: Cast,
    artifacts_dir: Path,
) -> None:
    base = creator_live_server
    deal = await agreed_deal(cast)  # Alice's accepted deal: a deliverable to upload to, a campaign with charts
    [deliverable] = await Deliverable.select(Deliverable.id).where(Deliverable.collaboration == deal.collaboration_id)
    offer = await offer_to(cast, cast.alice_id)  # another campaign's offer, waiting for her answer
    await link_demo_identity_to_alice(cast)
    set_provider_user(oidc_provider, ALICE_SUBJECT, {"name": "Alice Rivera", "email": "alice@creators.test"})
    results: list[dict[str, Any]] = []

    # Alice, on her phone (the `page` fixture is 390 px wide).
    await page.goto(f"{base}/")
    await page.get_by_role("link", name="Sign in with your social account").click()
    await page.get_by_role("link", name="Continue with Demo ID").click()
    await page.get_by_placeholder("sub").fill(ALICE_SUBJECT)
    await page.get_by_role("button", name="Authorize").click()
    await expect(page.get_by_role("heading", name="Hi Alice Rivera")).to_be_visible()
    cdp = await throttle(page)
    for name, path in (
        ("Home", "/home"),
        ("Offer", f"/offers/{offer.collaboration_id}"),
        ("Work", "/work"),
        ("Deliverable (upload)", f"/work/{deliverable['id']}"),
    ):
        results.append(await measure(page, cdp, "creator", name, f"{base}{path}"))

    # Bob, at a desktop.
    async with desktop_page(browser, artifacts_dir, "page-weight-bob") as bob:
        await bob.goto(f"{base}/backoffice/signin")
        await bob.get_by_label("Email").fill("bob@acme.test")
        await bob.get_by_label("Password").fill(PASSWORD)
        await bob.get_by_role("button", name="Sign in").click()
        await expect(bob.get_by_role("heading", name="Your brands")).to_be_visible()
        cdp = await throttle(bob)
        for name, path in (
            ("Brands", "/backoffice/"),
            ("Brand home", "/backoffice/b/acme"),
            ("Campaign overview (charts)", f"/backoffice/b/acme/campaigns/{deal.campaign_id}"),
            ("Roster", "/backoffice/b/acme/creators"),
            ("Board", "/backoffice/b/acme/deliverables"),
            ("Offer", f"/backoffice/b/acme/offers/{offer.collaboration_id}"),
        ):
            results.append(await measure(bob, cdp, "brand", name, f"{base}{path}"))

    (artifacts_dir / "page-load.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nFirst and repeat loads at 1.6 Mbit/s, {LATENCY_MS} ms latency (budget {FIRST_LOAD_BUDGET:,} bytes):")
    for row in results:
        first, again = row["first"], row["repeat"]
        print(
            f"  {row['side']:8} {row['page']:28} first {first['load_ms']:5} ms {first['total_bytes']:8,} B"
            f" (static {first['static_bytes']:7,} B)   repeat {again['load_ms']:5} ms, static {again['static_bytes']} B"
        )

    for row in results:
        first, again = row["first"], row["repeat"]
        assert first["static_bytes"] > 0, row  # the cache really was empty
        assert first["total_bytes"] <= FIRST_LOAD_BUDGET, row
        assert again["static_files"] and again["static_bytes"] == 0, row
    by_page = {row["page"]: row["first"]["static_files"] for row in results}
    # The upload and chart bundles load only where they are used.
    assert any(f.startswith("uploads-") for f in by_page["Deliverable (upload)"])
    charted = ("Campaign overview (charts)", "Brand home")  # the home's spend-against-budget chart
    for name in charted:
        assert any(f.startswith("charts-") for f in by_page[name]), (name, by_page[name])
    for name, files in by_page.items():
        if name != "Deliverable (upload)":
            assert not any(f.startswith("uploads") for f in files), (name, files)
        if name not in charted:
            assert not any(f.startswith("charts-") for f in files), (name, files)
