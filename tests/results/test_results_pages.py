"""The back-office results pages over HTTP: a campaign's totals and per-creator numbers with their formulas, the
CSV, a live post's check and readings, verifying by hand; and the page's statements don't grow with the campaign."""

from __future__ import annotations

import csv
import datetime as dt
import io

import httpx

from shared.audit.context import system_actor
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.identity.actions import SocialAccount, do_create_creator
from shared.payments.actions import record_milestone
from shared.results.checks import sweep
from shared.results.queries import get_campaign_results
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from
from tests.factories import agreed_deal
from tests.personas import act_as_creator, act_as_staff
from tests.results_fixtures import Platforms, alice_post, connect_alice, live_reel

ACTOR = system_actor("test")


async def _read_once(cast: Cast, settings: Settings, platforms: Platforms, **post: object) -> tuple[int, int, int]:
    """Alice's reel live, verified and read once (an hour after going live), her contract's signing payable
    (US$600.00, half her US$1,200.00 fee) the campaign's spend: (campaign, reel, live post)."""
    await connect_alice(cast, settings, platforms)
    platforms.simulator.add_post(alice_post(**post))  # type: ignore[arg-type]
    reel, live_post_id = await live_reel(cast)
    rows = await get_engine().fetch("SELECT d.campaign, d.collaboration, l.live_at FROM deliverable d JOIN live_post l"
                                    " ON l.deliverable = d.id WHERE d.id = $1", reel)  # fmt: skip
    assert await record_milestone(ACTOR, int(rows[0]["collaboration"]), "signing") is not None
    await sweep(settings, now=rows[0]["live_at"] + dt.timedelta(hours=1, minutes=1))
    return int(rows[0]["campaign"]), reel, live_post_id


async def test_bob_reads_the_campaigns_results_with_each_formula(
    client: httpx.AsyncClient, cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    numbers = {"views": 12_400, "likes": 1_310, "comments": 88, "shares": 41}  # Instagram gave no reach or saves
    campaign, _reel, live_post_id = await _read_once(cast, results_settings, platforms, numbers=numbers)
    await act_as_staff(client, cast.bob_id)
    index = await client.get("/backoffice/b/acme/results")
    assert index.status_code == 200 and "Spring trail" in index.text
    assert 'href="/backoffice/b/acme/results"' in index.text  # the sidebar's Results section
    page = await client.get(f"/backoffice/b/acme/results/{campaign}")
    assert page.status_code == 200
    text = page.text
    assert "Alice Rivera" in text and "US$1,200.00" in text and "12,400" in text  # the agreed fee, committed
    # Spend (payables) US$600 ÷ 12,400 views × 1,000 = US$48.39; engagements 1,310 + 88 + 41 = 1,439;
    # US$600 ÷ 1,439 = US$0.42.
    assert "US$48.39" in text and "spend ÷ views × 1,000 = US$600.00 ÷ 12,400 × 1,000" in text
    assert "US$0.42" in text and "1,439" in text and "11.60%" in text
    assert "not given by Instagram" in text and ">Verified<" in text
    assert 'data-chart="results-' in text and '"data": [12400]' in text  # the chart draws the table's numbers
    post = await client.get(f"/backoffice/b/acme/results/posts/{live_post_id}")
    assert post.status_code == 200 and "Instagram Graph API" in post.text and "12,400" in post.text
    assert "Mark verified" not in post.text  # already verified by the platform check


async def test_the_csv_has_a_line_per_deliverable_with_missing_numbers_empty(
    client: httpx.AsyncClient, cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    campaign, _reel, _post = await _read_once(cast, results_settings, platforms, numbers={"views": 500, "likes": 7})
    await act_as_staff(client, cast.vic_id)
    response = await client.get(f"/backoffice/b/acme/results/{campaign}/export.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4  # the reel, story, video and post of her deal; only the reel is live
    [row] = [r for r in rows if r["url"]]
    assert {r["state"] for r in rows if not r["url"]} == {"not live"}
    assert row["creator"] == "Alice Rivera" and row["state"] == "verified" and row["views"] == "500"
    assert row["likes"] == "7" and row["reach"] == "" and row["creator_fee_minor"] == "120000"
    assert row["creator_spend_minor"] == "60000"
    assert row["source"] == "Instagram Graph API"


async def test_a_manager_verifies_a_mismatch_by_hand_with_a_reason(
    client: httpx.AsyncClient, cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    _campaign, reel, live_post_id = await _read_once(cast, results_settings, platforms, caption="Trail day @acme")
    # The creator reads what was found on her deliverable, in the same words as the brand.
    await act_as_creator(client, cast.alice_id)
    mine = await client.get(f"/work/{reel}")
    assert "Doesn&#39;t match" in mine.text or "Doesn't match" in mine.text
    assert "The live caption dropped #ad." in mine.text
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"/backoffice/b/acme/results/posts/{live_post_id}")
    assert "The live caption dropped #ad." in page.text and "Mark verified" in page.text
    url = f"/backoffice/b/acme/results/posts/{live_post_id}/verify"
    refused = await client.post(url, data={"note": "", "_csrf_token": csrf_token_from(page.text)})
    assert refused.status_code == 400 and "Say why the post is fine" in refused.text
    done = await client.post(
        url, data={"note": "Disclosed on screen", "_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303
    page = await client.get(f"/backoffice/b/acme/results/posts/{live_post_id}")
    assert "Bob Manager" in page.text and "Disclosed on screen" in page.text
    # The creator sees what was found about her post, in the same words, on her deliverable.
    await act_as_creator(client, cast.alice_id)
    work = await client.get(f"/work/{reel}")
    assert work.status_code == 200 and "Verified" in work.text and "Disclosed on screen" in work.text


async def test_the_results_page_costs_the_same_statements_for_more_creators(
    client: httpx.AsyncClient,  # opens the engine's pool, which count_queries watches
    cast: Cast,
    results_settings: Settings,
    platforms: Platforms,
) -> None:
    campaign, _reel, _post = await _read_once(cast, results_settings, platforms)
    with count_queries() as small:
        await get_campaign_results(cast.acme_id, campaign)
    for n in range(3):
        creator = await do_create_creator(
            ACTOR,
            display_name=f"Creator {n}",
            email=f"c{n}@creators.test",
            country="US",
            niches=["outdoors"],
            accounts=[SocialAccount("instagram", f"ig-c{n}", f"c{n}", 10_000, 100)],
        )
        await agreed_deal(cast, int(creator.id), campaign_id=campaign, deliverables=2)
    with count_queries() as large:
        results = await get_campaign_results(cast.acme_id, campaign)
    assert len(results.creators) == 4
    assert small.count == large.count == 4


async def test_another_brand_sees_nothing(
    client: httpx.AsyncClient, cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    campaign, _reel, live_post_id = await _read_once(cast, results_settings, platforms)
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(f"/backoffice/b/globex/results/{campaign}")).status_code == 404
    assert (await client.get(f"/backoffice/b/globex/results/posts/{live_post_id}")).status_code == 404


async def test_alice_sees_her_posts_numbers_by_brand(
    client: httpx.AsyncClient, cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await act_as_creator(client, cast.alice_id)
    empty = await client.get("/results")
    assert empty.status_code == 200 and "Nothing live yet" in empty.text
    await _read_once(cast, results_settings, platforms, numbers={"views": 3_210, "likes": 99})
    page = await client.get("/results")
    assert page.status_code == 200
    assert "Acme" in page.text and "3,210" in page.text and "not given by Instagram" in page.text
    assert "1 post, 1 verified; 3,210 views in all." in page.text


async def test_a_large_campaign_pages_its_creators_and_keeps_the_totals(
    client: httpx.AsyncClient, cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    campaign, _reel, _post = await _read_once(cast, results_settings, platforms)
    for n in range(26):  # 27 creators with Alice: two pages of 25
        account = SocialAccount("instagram", f"ig-p{n}", f"p{n}", 10_000, 100)
        creator = await do_create_creator(ACTOR, display_name=f"Creator {n:02d}", email=f"p{n}@creators.test",
                                          country="US", niches=["outdoors"], accounts=[account])  # fmt: skip
        await agreed_deal(cast, int(creator.id), campaign_id=campaign)
    await act_as_staff(client, cast.bob_id)
    first = await client.get(f"/backoffice/b/acme/results/{campaign}")
    assert "Creators 1–25 of 27" in first.text and "Next creators" in first.text
    assert first.text.count('<section class="card" aria-labelledby="creator-') == 25
    assert "Alice Rivera" in first.text and "US$48.39" in first.text  # the campaign's totals cover everyone
    second = await client.get(f"/backoffice/b/acme/results/{campaign}?page=2")
    assert "Creators 26–27 of 27" in second.text and "Previous creators" in second.text
    assert second.text.count('<section class="card" aria-labelledby="creator-') == 2
    beyond = await client.get(f"/backoffice/b/acme/results/{campaign}?page=9")
    assert "Creators 26–27 of 27" in beyond.text  # past the end: the last page
