"""The creator's side of a collaboration's conversation: reading (marks it read), sending (notifies the brand),
errors that keep the text, the htmx box and paging, and who may see what."""

from __future__ import annotations

import httpx

from shared.audit.context import system_actor
from shared.collaborations.actions import BrandSide, CreatorSide
from shared.db.querycount import count_queries
from shared.db.tables import AuditLog, Message, Notification, RelationshipEvent
from shared.identity.actions import do_create_creator
from shared.identity.queries import get_staff_context
from shared.messaging.actions import do_post_message
from shared.messaging.queries import unread_counts_for_creator, unread_counts_for_staff
from shared.messaging.rules import BODY_MAX
from tests.conftest import Cast, csrf_token_from, post_form
from tests.factories import offer_to
from tests.personas import act_as_creator, act_as_staff

ACTOR = system_actor("test")
HX = {"HX-Request": "true"}


async def _bob_writes(cast: Cast, collaboration_id: int, body: str) -> int:
    bob = await get_staff_context(cast.bob_id)
    return await do_post_message(ACTOR, BrandSide(bob, cast.acme_id), collaboration_id, body)


async def test_it_shows_the_thread_and_marks_it_read(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await _bob_writes(cast, deal.collaboration_id, "Hi Alice!\nCan you do the reel by Friday?")
    assert await unread_counts_for_creator(cast.alice_id) == {deal.collaboration_id: 1}
    await act_as_creator(client, cast.alice_id)
    page = await client.get(f"/offers/{deal.collaboration_id}/messages")
    assert page.status_code == 200
    assert "Can you do the reel by Friday?" in page.text and "Bob Manager" in page.text and "Acme" in page.text
    assert "New" in page.text  # unread when the page opened
    assert await unread_counts_for_creator(cast.alice_id) == {}
    # The message notification is read too, so the header badge drops.
    unread = Notification.read_at.is_null() & (Notification.kind == "message")
    assert await Notification.count().where(unread) == 0
    assert await Notification.count().where(Notification.kind == "offer.new") == 1  # other kinds stay as they are


async def test_it_sends_a_message_and_tells_the_brand(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}/messages"
    page = await client.get(url)
    response = await client.post(
        url, data={"body": "  Yes, Friday works.  ", "_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{url}#thread-{deal.collaboration_id}"
    message = await Message.objects().first()
    assert message is not None and message.body == "Yes, Friday works." and message.author_kind == "creator"
    assert message.author_label == "Alice Rivera"
    # Bob sent the offer: he hears about it, in-app and by email, with a link to his side of the thread.
    note = await Notification.objects().where(Notification.kind == "message").first()
    assert note is not None and note.recipient_kind == "staff" and note.recipient_id == cast.bob_id
    assert note.email_to == "bob@acme.test" and note.link.endswith(f"/offers/{deal.collaboration_id}/messages")
    assert await unread_counts_for_staff(cast.bob_id, cast.acme_id) == {deal.collaboration_id: 1}
    # The writer has read their own message; the timeline has a line; the audit row has no body.
    assert await unread_counts_for_creator(cast.alice_id) == {}
    assert await RelationshipEvent.exists().where(RelationshipEvent.kind == "message")
    audit = await AuditLog.objects().where(AuditLog.action == "message.posted").first()
    assert audit is not None and "Friday" not in str(audit.after) and audit.brand == cast.acme_id
    shown = await client.get(url)
    assert "Yes, Friday works." in shown.text


async def test_it_keeps_the_text_when_a_message_is_refused(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}/messages"
    empty = await post_form(client, url, url, {"body": "   "})
    assert empty.status_code == 400 and "Write a message first." in empty.text
    long = "x" * (BODY_MAX + 1)
    refused = await post_form(client, url, url, {"body": long})
    assert refused.status_code == 400 and "Keep a message under 5,000 characters" in refused.text
    assert long in refused.text  # what was typed is still in the box
    assert await Message.count() == 0


async def test_it_answers_the_box_on_the_offer_page_with_htmx(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}/messages"
    token = csrf_token_from((await client.get(url)).text)
    box = await client.post(url, data={"body": "From the box", "from": "box", "_csrf_token": token}, headers=HX)
    assert box.status_code == 200
    assert f'id="thread-box-{deal.collaboration_id}"' in box.text and "From the box" in box.text
    assert "<html" not in box.text and f'hx-post="{url}"' in box.text
    refused = await client.post(url, data={"body": "", "from": "box", "_csrf_token": token}, headers=HX)
    # htmx swaps only 2xx answers: the refused box comes back as 200 with its error.
    assert refused.status_code == 200 and "Write a message first." in refused.text
    # Without JavaScript the box's form comes back to the offer page.
    plain = await client.post(
        url, data={"body": "Plain form", "from": "box", "_csrf_token": token}, follow_redirects=False
    )
    assert plain.headers["location"] == f"/offers/{deal.collaboration_id}#thread-box-{deal.collaboration_id}"
    assert await Message.count() == 2


async def test_it_pages_back_through_a_long_thread(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    for number in range(55):
        await _bob_writes(cast, deal.collaboration_id, f"Message number {number:02d}")
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}/messages"
    page = await client.get(url)
    assert "Message number 54" in page.text and "Message number 05" in page.text
    assert "Message number 04" not in page.text and "Show older messages" in page.text
    older_id = (await Message.select(Message.id).where(Message.body == "Message number 05").first() or {})["id"]
    older = await client.get(f"{url}?before={older_id}", headers=HX)
    assert older.status_code == 200 and "<html" not in older.text
    assert "Message number 00" in older.text and "Message number 04" in older.text
    assert "Message number 05" not in older.text and "Show older messages" not in older.text
    # Oldest first on the page.
    assert page.text.index("Message number 05") < page.text.index("Message number 54")


async def test_it_reads_a_thread_in_a_constant_number_of_queries(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}/messages"
    await _bob_writes(cast, deal.collaboration_id, "one")
    await client.get(url)  # the session's first save is not the page's work
    with count_queries() as few:
        assert (await client.get(url)).status_code == 200
    for number in range(20):
        await _bob_writes(cast, deal.collaboration_id, f"more {number}")
    with count_queries() as many:
        assert (await client.get(url)).status_code == 200
    assert many.count == few.count, many.statements


async def test_it_counts_unread_in_one_query(client: httpx.AsyncClient, cast: Cast) -> None:
    deals = [await offer_to(cast, cast.alice_id, campaign_id=None) for _ in range(3)]
    for deal in deals:
        await _bob_writes(cast, deal.collaboration_id, "hello")
        await _bob_writes(cast, deal.collaboration_id, "again")
    await do_post_message(ACTOR, CreatorSide(cast.alice_id), deals[0].collaboration_id, "Thanks")
    with count_queries() as queries:
        counts = await unread_counts_for_creator(cast.alice_id)
    assert queries.count == 1
    # Writing reads the thread: Alice's reply cleared the first one.
    assert counts == {deals[1].collaboration_id: 2, deals[2].collaboration_id: 2}
    with count_queries() as queries:
        staff_counts = await unread_counts_for_staff(cast.bob_id, cast.acme_id)
    assert queries.count == 1 and staff_counts == {deals[0].collaboration_id: 1}


async def test_it_sends_strangers_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    url = f"/offers/{deal.collaboration_id}/messages"
    anonymous = await client.get(url, follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/signin" in anonymous.headers["location"]
    await act_as_staff(client, cast.bob_id)  # a staff session grants nothing on the portal
    staff = await client.get(url, follow_redirects=False)
    assert staff.status_code in (302, 303) and "/signin" in staff.headers["location"]


async def test_it_hides_another_creators_thread(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await _bob_writes(cast, deal.collaboration_id, "For Alice only")
    bilal = await do_create_creator(
        ACTOR, display_name="Bilal Khan", email="bilal@creators.test", country="GB", niches=[], accounts=[]
    )
    await act_as_creator(client, int(bilal.id))
    url = f"/offers/{deal.collaboration_id}/messages"
    assert (await client.get(url)).status_code == 404
    token = csrf_token_from((await client.get("/notifications")).text)
    refused = await client.post(url, data={"body": "Let me in", "_csrf_token": token})
    assert refused.status_code == 404 and "For Alice only" not in refused.text
    assert await Message.count() == 1
