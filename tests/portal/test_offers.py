"""A creator's offers: plain-language terms, accept, decline with a reason, counter; seeding; only their own."""

from __future__ import annotations

import html

import httpx

from shared.audit.context import system_actor
from shared.collaborations.actions import BrandSide, do_record_shipment, do_withdraw_offer
from shared.db.tables import AuditLog, Collaboration, Deliverable, Notification, Shipment
from shared.identity.actions import SocialAccount, do_create_creator
from shared.identity.queries import get_staff_context
from tests.conftest import Cast, post_form
from tests.factories import agreed_deal, in_days, offer_to
from tests.personas import act_as_creator, act_as_staff

Client = httpx.AsyncClient


def text(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def test_it_shows_the_offer_in_plain_language_with_the_brief(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id, fee="1200", product="Trail 2 backpack")
    await act_as_creator(client, cast.alice_id)
    listing = await client.get("/offers")
    assert "Spring trail" in listing.text and "Waiting for your answer" in listing.text
    page = text(await client.get(f"/offers/{deal.collaboration_id}"))
    assert "You get US$1,200.00: US$600.00 on signing, US$600.00 when the post goes live." in page
    assert "Product sent to you free: Trail 2 backpack." in page
    assert "Launch the Trail 2 backpack to hikers." in page  # the brief
    assert "Accept the offer" in page and "Decline the offer" in page
    # The page leads with the summary: total fee (its currency named), what, when; accepting repeats them.
    summary = page[page.index('class="card offer-summary"') : page.index("What they offer")]
    assert "Total fee" in summary and "US$1,200.00" in summary and "Reel on Instagram" in summary
    assert "live by" in summary and "Yes, accept for US$1,200.00" in summary


async def test_it_accepts_and_shows_what_to_deliver(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id, deliverables=2)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}"
    done = await post_form(client, url, f"{url}/accept", {})
    assert "You accepted." in done.text and "What you deliver" in done.text
    assert await Deliverable.count().where(Deliverable.creator == cast.alice_id) == 2
    notified = await Notification.select(Notification.recipient_kind, Notification.kind).where(
        Notification.kind == "offer.accepted"
    )
    assert notified == [{"recipient_kind": "staff", "kind": "offer.accepted"}]  # Bob, who sent it


async def test_it_declines_only_with_a_reason(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}"
    refused = await post_form(client, url, f"{url}/decline", {"reason": "  "})
    assert refused.status_code == 400 and "Tell the brand why" in refused.text
    done = await post_form(client, url, f"{url}/decline", {"reason": "Dates clash with a trip"})
    assert "You declined the offer." in done.text
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None and collaboration.status == "declined"
    assert collaboration.decline_reason == "Dates clash with a trip"
    assert await AuditLog.exists().where(AuditLog.action == "offer.declined")


async def test_it_counters_fee_dates_and_deliverables(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}"
    form = {
        "fee": "1500",
        "d0_kind": "reel",
        "d0_platform": "instagram",
        "d0_title": "Reel 1",
        "d0_draft_due": in_days(9),
        "d0_live_due": in_days(16),
        "d1_kind": "story",
        "d1_platform": "instagram",
        "d1_live_due": in_days(16),
        "note": "Happy to add a story",
    }
    done = await post_form(client, url, f"{url}/counter", form)
    assert "Counter-offer sent." in done.text and "Waiting for the brand" in done.text
    page = text(done)
    assert "Fee: US$1,200.00 → US$1,500.00" in page and "Added: Story on Instagram" in page
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None and collaboration.status == "countered" and collaboration.terms_by == "creator"
    # The brand's other terms stand: the payment split and usage rights were not in the creator's form.
    assert "Usage rights: Organic reposts for 90 days." in page


async def test_it_keeps_a_rejected_counter_as_typed(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}"
    form = {"fee": "abc", "d0_kind": "reel", "d0_platform": "instagram", "d0_live_due": in_days(-3), "note": "hm"}
    response = await post_form(client, url, f"{url}/counter", form)
    assert response.status_code == 400
    body = text(response)
    assert "Enter an amount like 250" in body and "The go-live date is in the past." in body
    assert 'value="abc"' in body and ">hm</textarea>" in body
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None and collaboration.status == "invited"


async def test_it_refuses_to_accept_a_withdrawn_offer(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}"
    page = await client.get(url)  # Alice has the page open …
    bob = await get_staff_context(cast.bob_id)
    await do_withdraw_offer(
        system_actor("test"), BrandSide(bob, cast.acme_id), collaboration_id=deal.collaboration_id, reason=""
    )
    from tests.conftest import csrf_token_from

    response = await client.post(f"{url}/accept", data={"_csrf_token": csrf_token_from(page.text)})
    assert "You can't accept it: the brand withdrew it." in text(response)
    assert not await Deliverable.exists()


async def test_it_walks_product_seeding_from_address_to_receipt(client: Client, cast: Cast) -> None:
    deal = await agreed_deal(cast, product="Trail 2 backpack")
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}"
    short = await post_form(client, url, f"{url}/address", {"address": "Boulder"})
    assert short.status_code == 400 and "Enter the full address" in short.text and ">Boulder</textarea>" in short.text
    saved = await post_form(client, url, f"{url}/address", {"address": "Alice Rivera\n1 Trail Rd\nBoulder CO 80301"})
    assert "Address saved." in saved.text and "1 Trail Rd" in saved.text
    early = await post_form(client, url, f"{url}/received", {})
    assert "The brand has not shipped it yet." in text(early)
    bob = await get_staff_context(cast.bob_id)
    await do_record_shipment(
        system_actor("test"),
        BrandSide(bob, cast.acme_id),
        collaboration_id=deal.collaboration_id,
        carrier="DHL",
        tracking_number="JD0146",
    )
    page = await client.get(url)
    assert "JD0146" in page.text
    done = await post_form(client, url, f"{url}/received", {})
    assert "The brand knows it arrived." in done.text
    shipment = await Shipment.objects().first()
    assert shipment is not None and shipment.received_at is not None


async def test_it_hides_other_creators_offers(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    bilal = await do_create_creator(
        system_actor("test"),
        display_name="Bilal Khan",
        email="bilal@creators.test",
        country="GB",
        niches=["tech"],
        accounts=[SocialAccount("youtube", "yt-bilal", "BilalTech", 870_000)],
    )
    await act_as_creator(client, int(bilal.id))
    assert (await client.get(f"/offers/{deal.collaboration_id}")).status_code == 404
    assert "Spring trail" not in (await client.get("/offers")).text
    page = await client.get("/offers")
    from tests.conftest import csrf_token_from

    response = await client.post(
        f"/offers/{deal.collaboration_id}/accept", data={"_csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 404
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None and collaboration.status == "invited"


async def test_it_sends_staff_to_sign_in(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_staff(client, cast.bob_id)
    response = await client.get(f"/offers/{deal.collaboration_id}", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
