"""The brand's side of a collaboration's conversation: every role reads, owners/managers/reviewers write,
the creator is told (in-app and by email), and another brand sees nothing."""

from __future__ import annotations

import httpx

from shared.audit.context import system_actor
from shared.collaborations.actions import CreatorSide
from shared.db.tables import Message, Notification
from shared.messaging.actions import do_post_message
from shared.messaging.queries import unread_counts_for_creator, unread_counts_for_staff
from tests.conftest import Cast, csrf_token_from, post_form
from tests.factories import offer_to, published_campaign
from tests.personas import act_as_creator, act_as_staff

ACTOR = system_actor("test")
HX = {"HX-Request": "true"}


def _url(collaboration_id: int, slug: str = "acme") -> str:
    return f"/backoffice/b/{slug}/offers/{collaboration_id}/messages"


async def test_it_shows_the_creators_messages_and_marks_them_read(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await do_post_message(ACTOR, CreatorSide(cast.alice_id), deal.collaboration_id, "Could the fee be 1,500?")
    assert await unread_counts_for_staff(cast.bob_id, cast.acme_id) == {deal.collaboration_id: 1}
    assert await unread_counts_for_staff(cast.olivia_id, cast.acme_id) == {deal.collaboration_id: 1}
    await act_as_staff(client, cast.bob_id)
    page = await client.get(_url(deal.collaboration_id))
    assert page.status_code == 200
    assert "Could the fee be 1,500?" in page.text and "Alice Rivera" in page.text and "Send message" in page.text
    # Each staff member keeps their own place: Bob read it, Olivia has not.
    assert await unread_counts_for_staff(cast.bob_id, cast.acme_id) == {}
    assert await unread_counts_for_staff(cast.olivia_id, cast.acme_id) == {deal.collaboration_id: 1}


async def test_it_sends_a_message_to_the_creator(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_staff(client, cast.bob_id)
    url = _url(deal.collaboration_id)
    response = await post_form(client, url, url, {"body": "Welcome aboard!"})
    assert response.status_code == 200 and "Welcome aboard!" in response.text
    message = await Message.objects().first()
    assert message is not None and message.author_kind == "staff" and message.author_id == cast.bob_id
    note = await Notification.objects().where(Notification.kind == "message").first()
    assert note is not None and note.recipient_kind == "creator" and note.recipient_id == cast.alice_id
    assert note.email_to == "alice@creators.test" and note.link == f"/offers/{deal.collaboration_id}/messages"
    assert "Welcome aboard!" in note.body and "Acme" in note.title
    assert await unread_counts_for_creator(cast.alice_id) == {deal.collaboration_id: 1}


async def test_it_answers_the_offer_page_box_with_htmx(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_staff(client, cast.bob_id)
    url = _url(deal.collaboration_id)
    token = csrf_token_from((await client.get(url)).text)
    box = await client.post(url, data={"body": "Box hello", "from": "box", "_csrf_token": token}, headers=HX)
    assert box.status_code == 200 and "<html" not in box.text
    assert f'id="thread-box-{deal.collaboration_id}"' in box.text and "Box hello" in box.text
    # The page's form swaps its own section out of the whole page (hx-select).
    page = await client.post(url, data={"body": "Page hello", "_csrf_token": token}, headers=HX)
    assert page.status_code == 200 and f'id="thread-{deal.collaboration_id}"' in page.text
    plain = await client.post(url, data={"body": "No JS", "from": "box", "_csrf_token": token}, follow_redirects=False)
    assert plain.status_code == 303
    assert (
        plain.headers["location"]
        == f"/backoffice/b/acme/offers/{deal.collaboration_id}#thread-box-{deal.collaboration_id}"
    )


async def test_it_lets_finance_read_but_not_write(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await do_post_message(ACTOR, CreatorSide(cast.alice_id), deal.collaboration_id, "Invoice question")
    for staff_id in (cast.fran_id, cast.vic_id):
        await act_as_staff(client, staff_id)
        page = await client.get(_url(deal.collaboration_id))
        assert page.status_code == 200 and "Invoice question" in page.text
        assert "Send message" not in page.text and "Your role can read this conversation" in page.text
        token = csrf_token_from(page.text)
        refused = await client.post(_url(deal.collaboration_id), data={"body": "Hi", "_csrf_token": token})
        assert refused.status_code == 403
    assert await Message.count() == 1


async def test_it_hides_the_thread_from_another_brand(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await do_post_message(ACTOR, CreatorSide(cast.alice_id), deal.collaboration_id, "Acme only")
    await published_campaign(cast, brand_id=cast.globex_id, staff_id=cast.charlie_id)
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(_url(deal.collaboration_id))).status_code == 404
    # Through Charlie's own brand, Acme's collaboration is simply not there.
    own = await client.get(_url(deal.collaboration_id, "globex"))
    assert own.status_code == 404 and "Acme only" not in own.text
    token = csrf_token_from((await client.get("/backoffice/notifications")).text)
    refused = await client.post(_url(deal.collaboration_id, "globex"), data={"body": "Hi", "_csrf_token": token})
    assert refused.status_code == 404
    assert await Message.count() == 1


async def test_it_sends_strangers_and_creators_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    anonymous = await client.get(_url(deal.collaboration_id), follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/backoffice/signin" in anonymous.headers["location"]
    await act_as_creator(client, cast.alice_id)
    creator = await client.get(_url(deal.collaboration_id), follow_redirects=False)
    assert creator.status_code in (302, 303) and "/backoffice/signin" in creator.headers["location"]
