"""Creating notifications. Each is an in-app row and, when it has an address, an email outbox entry
sent by a job after commit. The event key is unique, so one event notifies each person once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from procrastinate.exceptions import AlreadyEnqueued

from shared.db.engine import get_engine
from shared.db.transactions import on_commit
from shared.notifications.tasks import send_notification_emails

log = logging.getLogger(__name__)

RecipientKind = Literal["staff", "creator"]


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    id: int
    email: str = ""  # '' = in-app only


async def notify(
    recipient: Recipient,
    *,
    kind: str,
    title: str,
    event_key: str,
    body: str = "",
    link: str = "",
    brand_id: int | None = None,
) -> bool:
    """Queue one notification (inside the caller's transaction); False when this event already notified them."""
    key = f"{event_key}:{recipient.kind}:{recipient.id}"
    rows = await get_engine().fetch(
        """
        INSERT INTO notification (recipient_kind, recipient_id, brand, kind, title, body, link, event_key,
                                  created_at, email_to)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)
        ON CONFLICT (event_key) DO NOTHING
        RETURNING id
        """,
        recipient.kind,
        recipient.id,
        brand_id,
        kind,
        title[:300],
        body,
        link,
        key[:300],
        recipient.email,
    )
    if rows and recipient.email:
        on_commit(_send_emails_soon)
    return bool(rows)


async def _send_emails_soon() -> None:
    try:
        await send_notification_emails.defer_async()
    except AlreadyEnqueued:
        log.debug("notification emails: a send is already queued and will take this one too")
    except Exception as exc:  # noqa: BLE001 the outbox row is committed; the periodic run sends it
        log.info("notification email left for the periodic sender: %s", exc)


async def do_mark_notification_read(recipient: Recipient, notification_id: int) -> str:
    """The person has seen one of their notifications; returns where it points ('' when it is not theirs).

    Not audited: reading changes nothing anyone agreed to."""
    rows = await get_engine().fetch(
        """
        UPDATE notification SET read_at = COALESCE(read_at, now())
        WHERE id = $1 AND recipient_kind = $2 AND recipient_id = $3
        RETURNING link
        """,
        notification_id,
        recipient.kind,
        recipient.id,
    )
    return str(rows[0]["link"]) if rows else ""


async def do_mark_all_notifications_read(recipient: Recipient) -> int:
    """The person has seen all their notifications; returns how many were unread."""
    rows = await get_engine().fetch(
        """
        UPDATE notification SET read_at = now()
        WHERE recipient_kind = $1 AND recipient_id = $2 AND read_at IS NULL
        RETURNING id
        """,
        recipient.kind,
        recipient.id,
    )
    return len(rows)
