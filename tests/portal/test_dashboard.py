"""The creator's dashboard, "what needs me now": offers waiting (and counter-offers waiting for the brand),
deliverables by due date, unread messages, payments to come; empty states; constant queries."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.audit.context import system_actor
from shared.collaborations.actions import BrandSide, CreatorSide, check_counter_offer, do_give_shipping_address
from shared.crypto import Encryptor
from shared.db.querycount import count_queries
from shared.db.tables import Deliverable
from shared.identity.actions import do_create_creator
from shared.identity.queries import get_staff_context
from shared.messaging.actions import do_post_message
from shared.settings import DEV_SECRET_KEY
from tests.conftest import Cast
from tests.factories import agreed_deal, offer_to
from tests.personas import act_as_creator, act_as_staff

ACTOR = system_actor("test")
TODAY = dt.datetime.now(dt.UTC).date()


async def test_it_says_what_to_expect_when_there_is_nothing(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_creator(client, cast.alice_id)
    home = await client.get("/home")
    assert home.status_code == 200
    assert "What needs you now" in home.text and "No offers waiting for you." in home.text
    assert "Nothing due." in home.text and "No unread messages." in home.text and "No payments yet." in home.text


async def test_it_lists_offers_waiting_for_an_answer(client: httpx.AsyncClient, cast: Cast) -> None:
    waiting = await offer_to(cast, cast.alice_id, fee="1200")
    countered = await offer_to(cast, cast.alice_id, fee="800")
    await check_counter_offer(
        ACTOR, CreatorSide(cast.alice_id), collaboration_id=countered.collaboration_id, form={"fee": "950"}
    )
    await act_as_creator(client, cast.alice_id)
    home = await client.get("/home")
    assert f'href="/offers/{waiting.collaboration_id}"' in home.text
    assert f'href="/offers/{countered.collaboration_id}"' in home.text
    assert "$1,200.00" in home.text and "Waiting for your answer" in home.text
    assert "$950.00" in home.text and "Your counter-offer: waiting for Acme" in home.text
    assert "Spring trail" in home.text and "No offers waiting for you." not in home.text
    # What waits for the creator comes first.
    assert home.text.index("Waiting for your answer") < home.text.index("Your counter-offer")


async def test_it_lists_deliverables_soonest_first_and_flags_overdue(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast, deliverables=2)
    rows = await Deliverable.select(Deliverable.id).where(Deliverable.collaboration == deal.collaboration_id)
    late = sorted(row["id"] for row in rows)[1]
    # Moving a due date has no action yet (the content area owns it); the row changes as that action will.
    await Deliverable.update({Deliverable.due_on: TODAY - dt.timedelta(days=2)}).where(Deliverable.id == late)
    await act_as_creator(client, cast.alice_id)
    home = await client.get("/home")
    assert "2 days overdue" in home.text and "Due in 7 days" in home.text and "dash-overdue" in home.text
    assert home.text.index("2 days overdue") < home.text.index("Due in 7 days")
    assert 'href="/work"' in home.text and "To make" in home.text and "Nothing due." not in home.text


async def test_it_lists_unread_messages_per_collaboration(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    bob = await get_staff_context(cast.bob_id)
    for body in ("Hello", "Any questions?"):
        await do_post_message(ACTOR, BrandSide(bob, cast.acme_id), deal.collaboration_id, body)
    await act_as_creator(client, cast.alice_id)
    home = await client.get("/home")
    assert "2 unread messages" in home.text
    assert f'href="/offers/{deal.collaboration_id}/messages"' in home.text
    await client.get(f"/offers/{deal.collaboration_id}/messages")
    assert "No unread messages." in (await client.get("/home")).text


async def test_it_lists_the_payments_agreed_deals_owe(client: httpx.AsyncClient, cast: Cast) -> None:
    await agreed_deal(cast, fee="1200")  # 50% on signing, 50% when the post goes live
    await act_as_creator(client, cast.alice_id)
    home = await client.get("/home")
    assert "$600.00" in home.text and "on signing" in home.text and "when the post goes live" in home.text
    assert "owed, not paid yet" in home.text and "No payments yet." not in home.text
    assert "<strong>US$1,200.00</strong> in all" in home.text  # the total, its currency named


async def test_it_says_when_a_brand_needs_the_shipping_address(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast, product="Trail 2 backpack")
    await act_as_creator(client, cast.alice_id)
    home = await client.get("/home")
    assert "Acme needs your address to send the product" in home.text
    assert f'href="/offers/{deal.collaboration_id}#f-address"' in home.text
    await do_give_shipping_address(
        ACTOR,
        Encryptor(DEV_SECRET_KEY),
        cast.alice_id,
        collaboration_id=deal.collaboration_id,
        address="Alice Rivera\n1 Ridge Road\nBoulder CO 80302\nUS",
    )
    assert "needs your address" not in (await client.get("/home")).text


async def test_it_uses_the_same_queries_however_much_there_is(client: httpx.AsyncClient, cast: Cast) -> None:
    await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    await client.get("/home")
    with count_queries() as few:
        assert (await client.get("/home")).status_code == 200
    bob = await get_staff_context(cast.bob_id)
    for _ in range(3):
        deal = await agreed_deal(cast, deliverables=3)
        await do_post_message(ACTOR, BrandSide(bob, cast.acme_id), deal.collaboration_id, "Hi")
        await offer_to(cast, cast.alice_id)
    with count_queries() as many:
        page = await client.get("/home")
    assert page.status_code == 200 and "Due in 7 days" in page.text
    assert many.count == few.count, many.statements


async def test_it_shows_only_the_creators_own(client: httpx.AsyncClient, cast: Cast) -> None:
    await agreed_deal(cast)
    bilal = await do_create_creator(
        ACTOR, display_name="Bilal Khan", email="bilal@creators.test", country="GB", niches=[], accounts=[]
    )
    await act_as_creator(client, int(bilal.id))
    home = await client.get("/home")
    assert "No offers waiting for you." in home.text and "Nothing due." in home.text and "No payments yet." in home.text
    assert "Spring trail" not in home.text


async def test_it_sends_strangers_and_staff_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    anonymous = await client.get("/home", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/signin" in anonymous.headers["location"]
    await act_as_staff(client, cast.bob_id)
    staff = await client.get("/home", follow_redirects=False)
    assert staff.status_code in (302, 303) and "/signin" in staff.headers["location"]
