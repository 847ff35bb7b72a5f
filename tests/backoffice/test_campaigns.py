"""Campaigns and briefs in the back-office: create, edit, publish versions, see what changed."""

from __future__ import annotations

import html

import httpx

from shared.db.tables import AuditLog, BriefVersion, Campaign
from tests.conftest import Cast, post_form
from tests.factories import BRIEF, published_campaign
from tests.personas import act_as_creator, act_as_staff

Client = httpx.AsyncClient
ACME = "/backoffice/b/acme"


async def _create(client: Client, **fields: str) -> httpx.Response:
    data = {"name": "Spring trail", "objective": "Launch", "budget": "10,000", "currency": "USD", **fields}
    return await post_form(client, f"{ACME}/campaigns/new", f"{ACME}/campaigns", data)


async def test_it_creates_a_campaign_and_sends_you_to_its_brief(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    response = await _create(client)
    assert response.status_code == 200 and str(response.url).endswith("/brief")
    campaign = await Campaign.objects().first()
    assert campaign is not None and campaign.budget_minor == 1_000_000 and campaign.status == "draft"
    assert await AuditLog.exists().where(AuditLog.action == "campaign.created")
    listing = await client.get(f"{ACME}/campaigns")
    assert "Spring trail" in listing.text and "$10,000.00" in listing.text


async def test_it_keeps_what_was_typed_when_a_campaign_is_rejected(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    response = await _create(client, name="", budget="12.345", starts_on="2026-12-10", ends_on="2026-12-01")
    assert response.status_code == 400
    assert "Give the campaign a name" in response.text and "at most 2 decimals" in response.text
    assert "The end date is before the start date." in response.text
    assert 'value="12.345"' in response.text
    assert not await Campaign.exists()


async def test_it_publishes_versions_that_never_change(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    campaign_id = await published_campaign(cast)
    brief_url = f"{ACME}/campaigns/{campaign_id}/brief"
    edited = {**BRIEF, "hashtags": "#ad #acmetrail #trail2", "dos": "Show it on a real hike\nMention the warranty"}
    response = await post_form(client, brief_url, brief_url, edited)
    assert response.status_code == 200 and "Brief version 2 saved" in response.text
    versions = await BriefVersion.select(BriefVersion.number, BriefVersion.published_at).order_by(BriefVersion.number)
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["published_at"] is not None and versions[1]["published_at"] is None
    published = await post_form(client, brief_url, f"{brief_url}/publish", {})
    assert "Brief version 2 is published" in published.text
    history = await client.get(f"{brief_url}/versions")
    assert "What changed since version 1" in history.text
    assert "+ #trail2" in history.text and "+ Mention the warranty" in history.text


async def test_it_refuses_to_publish_an_empty_brief(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    await _create(client)
    campaign = await Campaign.objects().first()
    assert campaign is not None
    brief_url = f"{ACME}/campaigns/{campaign.id}/brief"
    response = await post_form(client, brief_url, f"{brief_url}/publish", {})
    assert "Write the brief before publishing it" in response.text
    assert not await BriefVersion.exists().where(BriefVersion.published_at.is_not_null())


async def test_it_keeps_the_brief_as_typed_when_rejected(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    campaign_id = await published_campaign(cast)
    brief_url = f"{ACME}/campaigns/{campaign_id}/brief"
    response = await post_form(client, brief_url, brief_url, {**BRIEF, "assets": "ftp://nope", "t1_kind": "reel"})
    assert response.status_code == 400
    assert "Asset links must start with https://" in response.text
    assert "Choose both what to make and the platform" in response.text
    assert "ftp://nope" in response.text
    assert await BriefVersion.count() == 1


async def test_it_moves_a_campaign_along_and_refuses_impossible_moves(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    campaign_id = await published_campaign(cast)
    page = f"{ACME}/campaigns/{campaign_id}"
    done = await post_form(client, page, f"{page}/status", {"status": "active"})
    assert "The campaign is now active." in done.text
    refused = await post_form(client, page, f"{page}/status", {"status": "draft"})
    assert "it can't become draft" in html.unescape(refused.text)
    campaign = await Campaign.objects().first()
    assert campaign is not None and campaign.status == "active"


async def test_it_lets_viewers_read_but_not_plan(client: Client, cast: Cast) -> None:
    campaign_id = await published_campaign(cast)
    await act_as_staff(client, cast.vic_id)
    page = await client.get(f"{ACME}/campaigns/{campaign_id}")
    assert page.status_code == 200 and "Launch the Trail 2 backpack" in page.text
    assert "Invite creators" not in page.text and "Edit the brief" not in page.text
    assert (await client.get(f"{ACME}/campaigns/{campaign_id}/brief")).status_code == 403


async def test_it_hides_other_brands_campaigns(client: Client, cast: Cast) -> None:
    campaign_id = await published_campaign(cast)
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(f"{ACME}/campaigns/{campaign_id}")).status_code == 404
    globex = await published_campaign(cast, brand_id=cast.globex_id, staff_id=cast.charlie_id)
    # Acme's campaign through Globex's URL is just as missing.
    assert (await client.get(f"/backoffice/b/globex/campaigns/{campaign_id}")).status_code == 404
    assert (await client.get(f"/backoffice/b/globex/campaigns/{globex}")).status_code == 200


async def test_it_sends_anonymous_visitors_and_creators_to_sign_in(client: Client, cast: Cast) -> None:
    assert (await client.get(f"{ACME}/campaigns", follow_redirects=False)).status_code in (302, 303, 401)
    await act_as_creator(client, cast.alice_id)
    assert (await client.get(f"{ACME}/campaigns", follow_redirects=False)).status_code in (302, 303, 401)


async def test_it_lists_campaigns_in_one_query_whatever_the_page_size(client: Client, cast: Cast) -> None:
    from shared.campaigns.queries import list_campaigns
    from shared.db.querycount import count_queries
    from tests.factories import offer_to

    for index in range(7):
        campaign_id = await published_campaign(cast, name=f"Campaign {index}")
    await offer_to(cast, cast.alice_id, campaign_id=campaign_id)
    counts, seen = [], []
    for limit in (2, 50):
        with count_queries() as log:
            page = await list_campaigns(cast.acme_id, limit=limit)
        counts.append(log.count)
    assert counts == [1, 1]
    # Keyset pages cover every campaign once, newest first.
    after = None
    while True:
        page = await list_campaigns(cast.acme_id, after=after, limit=3)
        seen.extend(row["name"] for row in page.rows)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [f"Campaign {index}" for index in reversed(range(7))]
    assert page.rows[-1]["offers"] == 0
    assert (await list_campaigns(cast.acme_id, limit=1)).rows[0]["offers"] == 1
