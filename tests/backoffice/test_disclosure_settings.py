"""The disclosure settings page: the rules in force, the try-a-caption box, and the brand's adjustments."""

from __future__ import annotations

import html

import httpx

from shared.content.policy import get_disclosure_policy
from shared.db.rows import jsonb
from shared.db.tables import AuditLog, DisclosurePolicy
from tests.conftest import Cast, csrf_token_from, post_form
from tests.personas import act_as_creator, act_as_staff

Client = httpx.AsyncClient
PAGE = "/backoffice/b/acme/settings/disclosure"


async def test_it_shows_the_rules_in_force_per_platform(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    page = await client.get(PAGE)
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "Instagram shows about the first 125 characters or 3 lines of the caption before “more”" in text
    assert "X shows the whole post (up to 280 characters)." in text
    assert "#sp" in text and "Save the rules" in text


async def test_it_checks_a_caption_typed_into_the_try_box(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.vic_id)  # reading is for every role
    blocked = await client.get(
        PAGE, params={"caption": "Loving my #adventure", "platform": "instagram", "kind": "post"}
    )
    assert blocked.status_code == 200
    assert "Blocked: fix before this can be approved" in blocked.text
    assert "Add #ad at the start of the caption" in html.unescape(blocked.text)
    assert "Loving my #adventure" in blocked.text  # the caption stays in the box
    passed = await client.get(
        PAGE,
        params={"caption": "#ad Trail 2 #acmetrail", "platform": "tiktok", "kind": "post", "required": "#acmetrail"},
    )
    assert "Pass: disclosure looks right" in passed.text
    video = await client.get(PAGE, params={"caption": "#ad Trail 2", "platform": "youtube", "kind": "video"})
    assert "Blocked" in video.text and "said out loud" in video.text


async def test_it_saves_adjustments_and_the_check_uses_them(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    data = {
        "extra_terms": "#anuncio\nWerbung:",
        "extra_ambiguous_tags": "#gifted",
        "truncate_instagram": "100",
        "truncate_tiktok": "",
        "strict_placement": "1",
    }
    response = await post_form(client, PAGE, PAGE, data)
    assert response.status_code == 200 and "Disclosure rules saved" in response.text
    policy = await get_disclosure_policy(cast.acme_id)
    assert policy.extra_terms == ("#anuncio", "Werbung:") and policy.extra_ambiguous_tags == ("#gifted",)
    assert dict(policy.truncation_overrides) == {"instagram": 100} and policy.strict_placement
    assert not policy.missing_required_blocks
    assert "Instagram shows about the first 100 characters" in html.unescape(response.text)
    trial = await client.get(PAGE, params={"caption": "#anuncio Trail 2", "platform": "instagram", "kind": "post"})
    assert "Pass: disclosure looks right" in trial.text
    gifted = await client.get(PAGE, params={"caption": "#gifted Trail 2", "platform": "instagram", "kind": "post"})
    assert "Blocked" in gifted.text


async def test_it_audits_the_change_with_before_and_after(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.olivia_id)
    await post_form(client, PAGE, PAGE, {"extra_terms": "#anuncio"})
    await post_form(client, PAGE, PAGE, {"extra_terms": "#anuncio\n#werbeanzeige", "missing_required_blocks": "1"})
    rows = await AuditLog.select().where(AuditLog.action == "disclosure_policy.updated").order_by(AuditLog.id)
    assert len(rows) == 2 and all(row["brand"] == cast.acme_id for row in rows)
    before, after = jsonb(rows[1]["before"]), jsonb(rows[1]["after"])
    assert before["extra_terms"] == ["#anuncio"] and not before["missing_required_blocks"]
    assert after["extra_terms"] == ["#anuncio", "#werbeanzeige"] and after["missing_required_blocks"] is True
    assert await DisclosurePolicy.count() == 1


async def test_it_keeps_what_was_typed_when_rejected(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    data = {"extra_terms": "#sp\n#anuncio", "extra_ambiguous_tags": "#ad"}
    response = await post_form(client, PAGE, PAGE, data)
    text = html.unescape(response.text)
    assert response.status_code == 400
    assert "#sp is one of the tags readers don't understand as advertising." in text
    assert "#ad is a clear disclosure; it can't be marked as unclear." in text
    assert "#anuncio" in text
    # A number that is not one is refused by the form's declaration, before the rules read the lists.
    response = await post_form(client, PAGE, PAGE, {**data, "truncate_tiktok": "lots"})
    assert response.status_code == 400
    assert "Give a number of characters between 20 and 5000, or leave it empty for 100." in html.unescape(response.text)
    assert 'value="lots"' in response.text and "#anuncio" in html.unescape(response.text)
    assert not await DisclosurePolicy.exists()
    assert not await AuditLog.exists().where(AuditLog.action == "disclosure_policy.updated")


async def test_it_lets_viewers_read_but_not_save(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.vic_id)
    page = await client.get(PAGE)
    assert page.status_code == 200 and "Owners and managers can adjust these rules." in page.text
    assert "Save the rules" not in page.text
    token_page = await client.get("/backoffice/b/acme/campaigns")  # any page with a CSRF field
    refused = await client.post(PAGE, data={"extra_terms": "#anuncio", "_csrf_token": csrf_token_from(token_page.text)})
    assert refused.status_code == 403
    assert not await DisclosurePolicy.exists()


async def test_it_hides_another_brands_settings(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(PAGE)).status_code == 404
    globex = await post_form(
        client,
        "/backoffice/b/globex/settings/disclosure",
        "/backoffice/b/globex/settings/disclosure",
        {"extra_terms": "#globexad"},
    )
    assert globex.status_code == 200
    assert (await get_disclosure_policy(cast.acme_id)).is_default
    assert (await get_disclosure_policy(cast.globex_id)).extra_terms == ("#globexad",)


async def test_it_sends_anonymous_visitors_and_creators_to_sign_in(client: Client, cast: Cast) -> None:
    assert (await client.get(PAGE, follow_redirects=False)).status_code in (302, 303, 401)
    await act_as_creator(client, cast.alice_id)
    assert (await client.get(PAGE, follow_redirects=False)).status_code in (302, 303, 401)
