"""Offers from the back-office: send to one or many, counter, accept, withdraw; seeding; who may do what."""

from __future__ import annotations

import html

import httpx

from shared.audit.context import system_actor
from shared.collaborations.actions import CreatorSide, check_counter_offer, do_give_shipping_address
from shared.crypto import Encryptor
from shared.db.tables import AuditLog, Collaboration, Deliverable, Notification, OfferRevision, Shipment
from shared.identity.actions import SocialAccount, do_create_creator
from shared.settings import DEV_SECRET_KEY
from tests.conftest import Cast, post_form
from tests.factories import agreed_deal, in_days, offer_form, offer_to, published_campaign
from tests.personas import act_as_staff

Client = httpx.AsyncClient
ACME = "/backoffice/b/acme"


def text(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def _another_creator(name: str = "Bilal Khan", email: str = "bilal@creators.test") -> int:
    creator = await do_create_creator(
        system_actor("test"),
        display_name=name,
        email=email,
        country="GB",
        niches=["tech"],
        accounts=[SocialAccount("youtube", f"yt-{email}", name.split()[0], 870_000)],
    )
    return int(creator.id)


async def test_it_sends_one_offer_to_several_creators(client: Client, cast: Cast) -> None:
    bilal = await _another_creator()
    campaign_id = await published_campaign(cast)
    await act_as_staff(client, cast.bob_id)
    page_url = f"{ACME}/offers/new?campaign={campaign_id}&creator={cast.alice_id}&creator={bilal}"
    page = await client.get(page_url)
    assert "Alice Rivera" in page.text and "Bilal Khan" in page.text
    # The form starts from the brief's deliverables.
    assert 'name="d0_kind"' in page.text and "A 30-second trail reel" in page.text
    form = {**offer_form("1200"), "campaign": str(campaign_id)}
    response = await client.post(
        f"{ACME}/offers",
        data={**form, "creator": [str(cast.alice_id), str(bilal)], "_csrf_token": _csrf(page.text)},
    )
    assert response.status_code == 200 and "Offer sent to 2 creators." in response.text
    offers = await Collaboration.select(Collaboration.creator, Collaboration.status, Collaboration.fee_minor)
    assert sorted((o["creator"], o["status"], o["fee_minor"]) for o in offers) == [
        (cast.alice_id, "invited", 120000),
        (bilal, "invited", 120000),
    ]
    assert await Notification.count().where(Notification.kind == "offer.new") == 2
    assert await AuditLog.count().where(AuditLog.action == "offer.sent") == 2


def _csrf(page: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(page)


async def test_it_keeps_the_terms_as_typed_when_rejected(client: Client, cast: Cast) -> None:
    campaign_id = await published_campaign(cast)
    await act_as_staff(client, cast.bob_id)
    page_url = f"{ACME}/offers/new?campaign={campaign_id}&creator={cast.alice_id}"
    form = {
        **offer_form("1,200.555"),
        "campaign": str(campaign_id),
        "creator": str(cast.alice_id),
        "pay_signing": "60",
        "d0_live_due": in_days(-1),
        "bonus": "300",
    }
    response = await post_form(client, page_url, f"{ACME}/offers", form)
    assert response.status_code == 400
    body = text(response)
    assert "at most 2 decimals" in body and "adds up to 110%" in body
    assert "The go-live date is in the past." in body and "Say what earns the bonus" in body
    assert 'value="1,200.555"' in body and 'value="60"' in body
    assert not await Collaboration.exists()


async def test_it_refuses_a_second_offer_to_the_same_creator_in_a_campaign(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_staff(client, cast.bob_id)
    page_url = f"{ACME}/offers/new?campaign={deal.campaign_id}&creator={cast.alice_id}"
    form = {**offer_form(), "campaign": str(deal.campaign_id), "creator": str(cast.alice_id)}
    response = await post_form(client, page_url, f"{ACME}/offers", form)
    assert response.status_code == 400 and "Already in this campaign: Alice Rivera" in text(response)
    assert await Collaboration.count() == 1


async def test_it_refuses_offers_before_the_brief_is_published(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"{ACME}/offers/new?creator={cast.alice_id}")
    assert "No campaign is ready for offers" in page.text


async def test_it_accepts_a_counter_offer_and_freezes_the_terms(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await check_counter_offer(
        system_actor("test"), CreatorSide(cast.alice_id), collaboration_id=deal.collaboration_id, form={"fee": "1500"}
    )
    await act_as_staff(client, cast.bob_id)
    url = f"{ACME}/offers/{deal.collaboration_id}"
    page = await client.get(url)
    assert "Alice Rivera proposed new terms" in page.text and "Fee: US$1,200.00 → US$1,500.00" in page.text
    # What the counter changed leads the page, before the terms and the history.
    top = page.text.index("What Alice Rivera changed")
    assert top < page.text.index("Fee: US$1,200.00 → US$1,500.00") < page.text.index('class="history"')
    done = await post_form(client, url, f"{url}/accept", {})
    assert "Accepted. The terms are frozen" in done.text
    assert await Deliverable.count().where(Deliverable.collaboration == deal.collaboration_id) == 1
    again = await post_form(client, url, f"{url}/accept", {})
    assert "You can't accept it: it was already accepted" in text(again)
    assert await Deliverable.count() == 1


async def test_it_counters_back_and_lets_the_creator_answer(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await check_counter_offer(
        system_actor("test"), CreatorSide(cast.alice_id), collaboration_id=deal.collaboration_id, form={"fee": "1500"}
    )
    await act_as_staff(client, cast.bob_id)
    url = f"{ACME}/offers/{deal.collaboration_id}"
    response = await post_form(client, url, f"{url}/counter", {**offer_form("1350"), "note": "Meet in the middle?"})
    assert "Counter-offer sent" in response.text
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None and collaboration.status == "invited" and collaboration.fee_minor == 135000
    assert await OfferRevision.count() == 3
    unchanged = await post_form(client, url, f"{url}/counter", {**offer_form("1350")})
    # It is the creator's turn now: the brand can't counter its own offer.
    assert "You can't counter it" in text(unchanged)


async def test_it_withdraws_an_open_offer_and_can_offer_again(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_staff(client, cast.bob_id)
    url = f"{ACME}/offers/{deal.collaboration_id}"
    done = await post_form(client, url, f"{url}/withdraw", {"reason": "Budget moved"})
    assert "Offer withdrawn" in done.text and "Send a new offer" in done.text
    form = {**offer_form("900"), "campaign": str(deal.campaign_id), "creator": str(cast.alice_id)}
    again = await post_form(client, f"{ACME}/offers/new?campaign={deal.campaign_id}", f"{ACME}/offers", form)
    assert again.status_code == 200 and "Waiting for Alice Rivera to answer" in again.text
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None and collaboration.status == "invited" and collaboration.fee_minor == 90000


async def test_it_lets_reviewers_read_but_not_negotiate(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_staff(client, cast.vic_id)
    url = f"{ACME}/offers/{deal.collaboration_id}"
    page = await client.get(url)
    assert page.status_code == 200 and "Withdraw the offer" not in page.text
    response = await client.post(f"{url}/withdraw", data={"_csrf_token": _csrf(page.text)})
    assert response.status_code == 403
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None and collaboration.status == "invited"


async def test_it_hides_other_brands_offers(client: Client, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(f"/backoffice/b/globex/offers/{deal.collaboration_id}")).status_code == 404
    assert (await client.get(f"{ACME}/offers/{deal.collaboration_id}")).status_code == 404


async def test_it_shows_the_address_only_to_those_who_ship(client: Client, cast: Cast) -> None:
    deal = await agreed_deal(cast, product="Trail 2 backpack")
    await do_give_shipping_address(
        system_actor("test"),
        Encryptor(DEV_SECRET_KEY),
        cast.alice_id,
        collaboration_id=deal.collaboration_id,
        address="Alice Rivera\n1 Trail Rd\nBoulder CO 80301\nUSA",
    )
    shipment = await Shipment.objects().first()
    assert shipment is not None and "Trail Rd" not in (shipment.address_enc or "")
    url = f"{ACME}/offers/{deal.collaboration_id}"
    await act_as_staff(client, cast.vic_id)
    assert "1 Trail Rd" not in (await client.get(url)).text
    await act_as_staff(client, cast.bob_id)
    page = await client.get(url)
    assert "1 Trail Rd" in page.text
    missing = await post_form(client, url, f"{url}/shipment", {"carrier": "DHL", "tracking_number": ""})
    assert missing.status_code == 400 and "Enter the tracking number" in missing.text and 'value="DHL"' in missing.text
    done = await post_form(client, url, f"{url}/shipment", {"carrier": "DHL", "tracking_number": "JD0146"})
    assert "Shipment recorded" in done.text
    shipment = await Shipment.objects().first()
    assert shipment is not None and shipment.tracking_number == "JD0146" and shipment.shipped_at is not None
    audit = await AuditLog.select(AuditLog.after).where(AuditLog.action == "seeding.address_given").first()
    assert audit is not None and "Trail" not in str(audit["after"])
