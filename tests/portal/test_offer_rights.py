"""Structured usage rights through both sides of an offer: Bob offers them, Alice reads them in plain words and
counters them, Bob sees what changed; the contract renders them; offers made before them still read as before."""

from __future__ import annotations

import datetime as dt
import html
import json

import httpx

from shared.collaborations.rules import Terms
from shared.contracts.documents import DEFAULT_TEMPLATE, Party, merge_fields, render_body
from shared.db.tables import Collaboration
from tests.conftest import Cast, csrf_token_from, post_form
from tests.factories import offer_form, published_campaign
from tests.personas import act_as_creator, act_as_staff
from tests.rights_helpers import rights_fields

ACME = "/backoffice/b/acme"


async def test_rights_go_from_offer_to_counter_to_what_changed(client: httpx.AsyncClient, cast: Cast) -> None:
    campaign_id = await published_campaign(cast)
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"{ACME}/offers/new?campaign={campaign_id}&creator={cast.alice_id}")
    assert 'name="right_paid_meta"' in page.text and 'name="rights_countries"' in page.text
    bad = await client.post(
        f"{ACME}/offers",
        data={
            **offer_form(),
            **rights_fields(countries="US, ZZ"),
            "campaign": str(campaign_id),
            "creator": str(cast.alice_id),
            "_csrf_token": csrf_token_from(page.text),
        },
    )
    assert bad.status_code == 400 and "Unknown country code: ZZ" in html.unescape(bad.text)
    assert 'value="US, ZZ"' in bad.text  # kept as typed
    sent = await client.post(
        f"{ACME}/offers",
        data={
            **offer_form(),
            **rights_fields(category="backpacks", days="30"),
            "campaign": str(campaign_id),
            "creator": str(cast.alice_id),
            "_csrf_token": csrf_token_from(page.text),
        },
    )
    assert "Offer sent" in sent.text
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None
    assert json.loads(collaboration.terms)["rights"]["territories"] == ["CA", "US"]

    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{collaboration.id}"
    offer = html.unescape((await client.get(url)).text)
    assert "Usage rights: organic and paid social (Meta), in CA, US, for 6 months from go-live." in offer
    assert "Exclusivity: no other backpacks brand for 30 days after go-live." in offer
    assert 'name="right_organic" value="on" checked' in offer  # the counter form starts from the table
    countered = await post_form(
        client,
        url,
        f"{url}/counter",
        {"fee": "1200", **rights_fields(channels=("organic",), duration="3", category="backpacks", days="30")},
    )
    assert "Counter-offer sent." in countered.text

    await act_as_staff(client, cast.bob_id)
    brand_page = html.unescape((await client.get(f"{ACME}/offers/{collaboration.id}")).text)
    assert "Rights channels: organic and paid social (Meta) → organic" in brand_page
    assert "Rights window: for 6 months from go-live → for 3 months from go-live" in brand_page


def test_the_contract_renders_structured_rights_and_old_free_text() -> None:
    party = Party("Acme", "Alice Rivera", "Spring trail")
    base = {
        "deliverables": [{"kind": "reel", "platform": "instagram", "title": "", "live_due": "2027-01-10"}],
        "fee_minor": 100000,
        "currency": "USD",
        "payments": [{"milestone": "signing", "amount_minor": 100000}],
        "usage_rights": "Credit @alice in the caption",
    }
    structured = Terms.from_json(
        {
            **base,
            "rights": {
                "channels": ["organic", "paid_tiktok"],
                "territories": [],
                "ends_on": "2027-06-30",
                "exclusivity_category": "backpacks",
                "exclusivity_days": 45,
            },
        }
    )
    fields = merge_fields(structured, party, reference="RC-1-1", date=dt.date(2026, 11, 29), governing_law="NY")
    body = html.unescape(render_body(DEFAULT_TEMPLATE, fields))
    assert (
        "on these channels: organic and paid social (TikTok); territory: worldwide; from go-live until 30 Jun 2027"
        in body
    )
    assert "Also: Credit @alice in the caption." in body
    assert "Exclusivity: no other backpacks brand for 45 days after go-live." in body
    legacy = Terms.from_json(base)
    old = html.unescape(
        render_body(
            DEFAULT_TEMPLATE,
            merge_fields(legacy, party, reference="RC-1-1", date=dt.date(2026, 11, 29), governing_law="NY"),
        )
    )
    assert "use them as\nfollows: Credit @alice in the caption." in old
