"""Sending notification emails from the outbox (Notification rows with an address and no emailed_at)."""

from __future__ import annotations

import logging

from shared.db.engine import get_engine
from shared.integrations.email import Mailer, render_email

log = logging.getLogger(__name__)

# Claim a batch: marking them sent first means two workers never send the same email; a delivery
# that then fails is un-marked, so the next run tries again.
_CLAIM = """
UPDATE notification SET emailed_at = now()
WHERE id IN (
    SELECT id FROM notification
    WHERE emailed_at IS NULL AND email_to <> ''
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
RETURNING id, email_to, title, body, link
"""


async def send_pending_emails(mailer: Mailer, base_url: str, *, batch: int = 100) -> int:
    """Send every unsent notification email; returns how many went out."""
    sent = 0
    while True:
        rows = await get_engine().fetch(_CLAIM, batch)
        if not rows:
            return sent
        for row in rows:
            link = f"{base_url.rstrip('/')}{row['link']}" if row["link"] else ""
            email = render_email("notification", row["email_to"], title=row["title"], body=row["body"], link=link)
            if await mailer.send_quietly(email):
                sent += 1
            else:
                await get_engine().fetch("UPDATE notification SET emailed_at = NULL WHERE id = $1", row["id"])
        if len(rows) < batch:
            return sent


async def settle_seeded_emails() -> int:
    """The demo seed's notifications are history (dated weeks back): count their emails as sent when they
    happened, so starting the demo doesn't print a hundred old emails over its sign-in instructions."""
    rows = await get_engine().fetch(
        "UPDATE notification SET emailed_at = created_at WHERE emailed_at IS NULL AND email_to <> '' RETURNING id"
    )
    return len(rows)
