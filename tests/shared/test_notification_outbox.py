"""The notification emails' outbox: each email goes once, a failed delivery is tried again, and a run killed
mid-batch loses nothing (shared/notifications/outbox.py)."""

from __future__ import annotations

from shared.db.engine import get_engine
from shared.integrations.email import Mailer
from shared.notifications.outbox import _CLAIM, send_pending_emails
from shared.settings import Settings
from tests.conftest import Cast
from tests.email_fixtures import Inbox


async def _queue(cast: Cast, count: int) -> list[int]:
    rows = await get_engine().fetch(
        "INSERT INTO notification (recipient_kind, recipient_id, kind, title, body, link, event_key, email_to)"
        " SELECT 'creator', $1, 'message', 'Note ' || n, 'Body', '/offers', 'outbox-test-' || n, 'alice@creators.test'"
        " FROM generate_series(1, $2) n RETURNING id",
        cast.alice_id,
        count,
    )
    return sorted(int(row["id"]) for row in rows)


async def _sent() -> list[int]:
    rows = await get_engine().fetch("SELECT id FROM notification WHERE emailed_at IS NOT NULL ORDER BY id")
    return [int(row["id"]) for row in rows]


async def test_a_run_killed_mid_batch_leaves_its_emails_to_a_later_run(
    cast: Cast, email_settings: Settings, inbox: Inbox
) -> None:
    ids = await _queue(cast, 5)
    mailer = Mailer(email_settings.smtp_url)
    # A run claims three and dies before sending them (what its claim statement does, then nothing).
    claimed = await get_engine().fetch(_CLAIM, 3, 900.0)
    assert sorted(int(row["id"]) for row in claimed) == ids[:3]
    # A run now sends only what nobody holds: the dead run's claims are still within their lease.
    assert await send_pending_emails(mailer, email_settings.base_url) == 2
    assert await _sent() == ids[3:]
    assert await send_pending_emails(mailer, email_settings.base_url) == 0
    # Once the lease has lapsed, the next run sends them: nothing was lost, and nothing goes twice.
    assert await send_pending_emails(mailer, email_settings.base_url, lease_seconds=0) == 3
    assert await _sent() == ids
    assert len(inbox.to("alice@creators.test")) == 5
    assert await send_pending_emails(mailer, email_settings.base_url, lease_seconds=0) == 0
    assert len(inbox.to("alice@creators.test")) == 5


async def test_a_failed_delivery_gives_its_claim_back_at_once(cast: Cast, settings: Settings) -> None:
    ids = await _queue(cast, 4)
    unreachable = Mailer("smtp://127.0.0.1:9")  # refused: nothing listens on the discard port here
    # Full batches that all fail end the run (the mail server is down) instead of claiming them again forever.
    assert await send_pending_emails(unreachable, settings.base_url, batch=2) == 0
    rows = await get_engine().fetch(
        "SELECT id FROM notification WHERE emailed_at IS NULL AND email_claimed_at IS NULL ORDER BY id"
    )
    assert [int(row["id"]) for row in rows] == ids  # free for the next run, not waiting out a lease
