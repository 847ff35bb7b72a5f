"""A staff member's notifications across their brands: the list, opening one, mark all read, the header
badge, and nothing about brands they do not belong to."""

from __future__ import annotations

import httpx

from shared.db.querycount import count_queries
from shared.db.tables import Notification
from shared.db.transactions import atomic
from shared.notifications.actions import Recipient, notify
from shared.notifications.queries import count_unread_notifications
from tests.conftest import Cast, csrf_token_from
from tests.factories import agreed_deal
from tests.personas import act_as_creator, act_as_staff

URL = "/backoffice/notifications"


async def _notify(recipient: Recipient, number: int, *, brand_id: int | None, link: str = "/backoffice/") -> None:
    async with atomic():
        await notify(
            recipient,
            kind="offer.countered",
            title=f"Notice number {number:02d}",
            link=link,
            event_key=f"test:{number}",
            brand_id=brand_id,
        )


async def test_it_lists_notifications_across_brands(client: httpx.AsyncClient, cast: Cast) -> None:
    olivia = Recipient("staff", cast.olivia_id)
    await _notify(olivia, 1, brand_id=cast.acme_id)
    await _notify(olivia, 2, brand_id=None)
    await act_as_staff(client, cast.olivia_id)
    page = await client.get(URL)
    assert page.status_code == 200
    assert "Notice number 01" in page.text and "Notice number 02" in page.text and "Acme" in page.text
    assert page.text.index("Notice number 02") < page.text.index("Notice number 01")
    assert page.text.count("notification-unread") == 2
    home = await client.get("/backoffice/")
    assert '<span class="nav-badge">2<span class="visually-hidden"> unread</span>' in home.text


async def test_it_hides_notifications_about_brands_they_left(client: httpx.AsyncClient, cast: Cast) -> None:
    bob = Recipient("staff", cast.bob_id)
    await _notify(bob, 1, brand_id=cast.acme_id)
    await _notify(bob, 2, brand_id=cast.globex_id)  # Bob is not (or no longer) at Globex
    await act_as_staff(client, cast.bob_id)
    page = await client.get(URL)
    assert "Notice number 01" in page.text and "Notice number 02" not in page.text
    assert await count_unread_notifications("staff", cast.bob_id) == 1


async def test_it_opens_one_and_marks_all_read(client: httpx.AsyncClient, cast: Cast) -> None:
    bob = Recipient("staff", cast.bob_id)
    await _notify(bob, 1, brand_id=cast.acme_id, link="/backoffice/b/acme")
    await _notify(bob, 2, brand_id=cast.acme_id)
    await _notify(Recipient("staff", cast.fran_id), 3, brand_id=cast.acme_id)
    await act_as_staff(client, cast.bob_id)
    token = csrf_token_from((await client.get(URL)).text)
    first = await Notification.objects().where(Notification.title == "Notice number 01").first()
    assert first is not None
    opened = await client.post(
        f"{URL}/read", data={"notification_id": str(first.id), "_csrf_token": token}, follow_redirects=False
    )
    assert opened.status_code == 303 and opened.headers["location"] == "/backoffice/b/acme"
    done = await client.post(f"{URL}/read", data={"_csrf_token": token})
    assert done.status_code == 200 and "All caught up." in done.text and "notification-unread" not in done.text
    # Fran's is hers.
    assert await Notification.count().where(Notification.read_at.is_null()) == 1


async def test_it_lists_in_constant_queries(client: httpx.AsyncClient, cast: Cast) -> None:
    bob = Recipient("staff", cast.bob_id)
    await _notify(bob, 0, brand_id=cast.acme_id)
    await act_as_staff(client, cast.bob_id)
    await client.get(URL)
    with count_queries() as few:
        await client.get(URL)
    for number in range(1, 40):
        await _notify(bob, number, brand_id=cast.acme_id)
    with count_queries() as many:
        page = await client.get(URL)
    assert many.count == few.count, many.statements
    assert "Older notifications" in page.text


async def test_it_sends_strangers_and_creators_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    anonymous = await client.get(URL, follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/backoffice/signin" in anonymous.headers["location"]
    await act_as_creator(client, cast.alice_id)
    creator = await client.get(URL, follow_redirects=False)
    assert creator.status_code in (302, 303) and "/backoffice/signin" in creator.headers["location"]


async def test_finance_hears_when_a_deal_is_agreed(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast, fee="1200")
    rows = await Notification.select(Notification.title, Notification.link).where(
        (Notification.recipient_kind == "staff") & (Notification.recipient_id == cast.fran_id)
    )
    assert rows == [
        {
            "title": "Deal agreed: Alice Rivera for Spring trail — US$1,200.00",
            "link": f"/backoffice/b/acme/offers/{deal.collaboration_id}",
        }
    ]
    await act_as_staff(client, cast.fran_id)
    page = await client.get("/backoffice/notifications")
    assert "Deal agreed: Alice Rivera for Spring trail" in page.text
