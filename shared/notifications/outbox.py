"""Sending notification emails from the outbox (Notification rows with an address and no emailed_at)."""

from __future__ import annotations

import logging

from shared.db.engine import get_engine
from shared.integrations.email import Mailer, render_email

log = logging.getLogger(__name__)

# A sending run claims a batch (email_claimed_at), so two runs never take the same email, and marks each one
# emailed_at once the mail server has taken it. A delivery that fails gives its claim back at once; a run killed
# mid-batch leaves its claims, which lapse after the lease: a later run sends those emails instead of losing
# them. The lease is far longer than a batch takes (100 emails; a refused connection fails in seconds), and the
# task's queueing lock keeps a second run from queueing meanwhile. The one email that can go twice is one the
# mail server took in the instant before its run was killed, ahead of the emailed_at write: at least once, as a
# reminder should be, rather than never.
CLAIM_LEASE_SECONDS = 15 * 60

_CLAIM = """
UPDATE notification SET email_claimed_at = now()
WHERE id IN (
    SELECT id FROM notification
    WHERE emailed_at IS NULL AND email_to <> ''
      AND (email_claimed_at IS NULL OR email_claimed_at < now() - make_interval(secs => $2))
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
RETURNING id, email_to, title, body, link
"""


async def send_pending_emails(
    mailer: Mailer, base_url: str, *, batch: int = 100, lease_seconds: float = CLAIM_LEASE_SECONDS
) -> int:
    """Send every unsent notification email (and those a killed run left claimed past the lease); returns how
    many went out."""
    engine = get_engine()
    sent = 0
    while True:
        rows = await engine.fetch(_CLAIM, batch, float(lease_seconds))
        if not rows:
            return sent
        sent_now = 0
        for row in rows:
            link = f"{base_url.rstrip('/')}{row['link']}" if row["link"] else ""
            email = render_email("notification", row["email_to"], title=row["title"], body=row["body"], link=link)
            if await mailer.send_quietly(email):
                await engine.fetch("UPDATE notification SET emailed_at = now() WHERE id = $1", row["id"])
                sent_now += 1
            else:
                await engine.fetch("UPDATE notification SET email_claimed_at = NULL WHERE id = $1", row["id"])
        sent += sent_now
        if len(rows) < batch or not sent_now:
            return sent  # all sent, or the mail server takes nothing now (the next run, a minute on, tries again)


async def settle_seeded_emails() -> int:
    """The demo seed's notifications are history (dated weeks back): count their emails as sent when they
    happened, so starting the demo doesn't print a hundred old emails over its sign-in instructions."""
    rows = await get_engine().fetch(
        "UPDATE notification SET emailed_at = created_at WHERE emailed_at IS NULL AND email_to <> '' RETURNING id"
    )
    return len(rows)
