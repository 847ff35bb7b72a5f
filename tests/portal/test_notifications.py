"""A creator's notifications: newest first, unread highlighted, open one (marked read), mark all read,
keyset paging, the header badge, and nobody else's."""

from __future__ import annotations

import httpx

from shared.db.querycount import count_queries
from shared.db.tables import Notification
from shared.db.transactions import atomic
from shared.notifications.actions import Recipient, notify
from tests.conftest import Cast, csrf_token_from
from tests.factories import offer_to
from tests.personas import act_as_creator, act_as_staff

URL = "/notifications"


async def _notify(kind: str, recipient_id: int, number: int, *, link: str = "/home") -> None:
    async with atomic():
        await notify(
            Recipient(kind, recipient_id),  # type: ignore[arg-type]
            kind="offer.new",
            title=f"Notice number {number:02d}",
            body=f"Body of notice {number:02d}",
            link=link,
            event_key=f"test:{number}",
        )


async def test_it_lists_notifications_newest_first(client: httpx.AsyncClient, cast: Cast) -> None:
    for number in range(3):
        await _notify("creator", cast.alice_id, number)
    await act_as_creator(client, cast.alice_id)
    page = await client.get(URL)
    assert page.status_code == 200
    assert page.text.index("Notice number 02") < page.text.index("Notice number 00")
    assert page.text.count("notification-unread") == 3 and "Mark all read" in page.text
    # The header says how many are unread, on every page.
    home = await client.get("/home")
    assert '<span class="nav-badge">3<span class="visually-hidden"> unread</span>' in home.text


async def test_it_opens_a_notification_and_marks_it_read(client: httpx.AsyncClient, cast: Cast) -> None:
    await _notify("creator", cast.alice_id, 1, link="/offers/7")
    await _notify("creator", cast.alice_id, 2)
    note = await Notification.objects().where(Notification.title == "Notice number 01").first()
    assert note is not None
    await act_as_creator(client, cast.alice_id)
    token = csrf_token_from((await client.get(URL)).text)
    opened = await client.post(
        f"{URL}/read", data={"notification_id": str(note.id), "_csrf_token": token}, follow_redirects=False
    )
    assert opened.status_code == 303 and opened.headers["location"] == "/offers/7"
    assert await Notification.count().where(Notification.read_at.is_null()) == 1
    page = await client.get(URL)
    assert page.text.count("notification-unread") == 1


async def test_it_marks_all_read(client: httpx.AsyncClient, cast: Cast) -> None:
    for number in range(3):
        await _notify("creator", cast.alice_id, number)
    await _notify("staff", cast.bob_id, 9)
    await act_as_creator(client, cast.alice_id)
    token = csrf_token_from((await client.get(URL)).text)
    done = await client.post(f"{URL}/read", data={"_csrf_token": token})
    assert done.status_code == 200 and "All caught up." in done.text
    assert "notification-unread" not in done.text and "nav-badge" not in done.text
    # Bob's stays unread.
    assert await Notification.count().where(Notification.read_at.is_null()) == 1


async def test_it_pages_back_in_constant_queries(client: httpx.AsyncClient, cast: Cast) -> None:
    await _notify("creator", cast.alice_id, 0)
    await act_as_creator(client, cast.alice_id)
    await client.get(URL)
    with count_queries() as few:
        await client.get(URL)
    for number in range(1, 40):
        await _notify("creator", cast.alice_id, number)
    with count_queries() as many:
        page = await client.get(URL)
    assert many.count == few.count, many.statements
    assert "Notice number 39" in page.text and "Notice number 10" in page.text and "Notice number 09" not in page.text
    older = await client.get(f"{URL}?before={await _id_of('Notice number 10')}")
    assert (
        "Notice number 09" in older.text and "Notice number 00" in older.text and "Notice number 10" not in older.text
    )
    assert "Older notifications" not in older.text and "Newest" in older.text


async def _id_of(title: str) -> int:
    row = await Notification.select(Notification.id).where(Notification.title == title).first()
    assert row is not None
    return int(row["id"])


async def test_it_shows_an_empty_state(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_creator(client, cast.alice_id)
    page = await client.get(URL)
    assert "No notifications yet." in page.text and "Mark all read" not in page.text


async def test_it_never_shows_or_opens_someone_elses(client: httpx.AsyncClient, cast: Cast) -> None:
    await _notify("staff", cast.alice_id, 1, link="https://evil.test/")  # same id, other kind
    await _notify("creator", cast.alice_id + 1, 2)
    await act_as_creator(client, cast.alice_id)
    page = await client.get(URL)
    assert "Notice number" not in page.text
    token = csrf_token_from(page.text)
    other = await _id_of("Notice number 02")
    opened = await client.post(
        f"{URL}/read", data={"notification_id": str(other), "_csrf_token": token}, follow_redirects=False
    )
    assert opened.headers["location"] == URL
    assert await Notification.count().where(Notification.read_at.is_null()) == 2


async def test_it_sends_strangers_and_staff_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    anonymous = await client.get(URL, follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/signin" in anonymous.headers["location"]
    await act_as_staff(client, cast.bob_id)
    staff = await client.get(URL, follow_redirects=False)
    assert staff.status_code in (302, 303) and "/signin" in staff.headers["location"]


async def test_it_settles_the_new_offer_once_the_creator_answers(client: httpx.AsyncClient, cast: Cast) -> None:
    """ "New offer" stayed unread after Alice accepted it; acting on the offer is having seen it."""
    deal = await offer_to(cast, cast.alice_id)
    await act_as_creator(client, cast.alice_id)
    offer_url = f"/offers/{deal.collaboration_id}"
    home = await client.get("/home")
    assert '<span class="nav-badge">1<span' in home.text  # "New offer"
    token = csrf_token_from((await client.get(offer_url)).text)
    accepted = await client.post(f"{offer_url}/accept", data={"_csrf_token": token})
    assert accepted.status_code == 200, accepted.text[:300]
    [new_offer] = await Notification.select(Notification.read_at).where(
        (Notification.kind == "offer.new") & (Notification.recipient_id == cast.alice_id)
    )
    assert new_offer["read_at"] is not None
    assert "nav-badge" not in (await client.get("/home")).text


async def test_the_badge_stays_on_a_page_re_rendered_after_a_form_error(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await _notify("creator", cast.alice_id, 1)
    await act_as_creator(client, cast.alice_id)
    offer_url = f"/offers/{deal.collaboration_id}"
    token = csrf_token_from((await client.get(offer_url)).text)
    refused = await client.post(f"{offer_url}/counter", data={"_csrf_token": token, "fee": "lots"})
    assert refused.status_code == 400
    assert '<span class="nav-badge">2<span class="visually-hidden"> unread</span>' in refused.text
