"""Notifications' jobs, on its procrastinate blueprint (shared.jobs adds it to the app and holds the schedules)."""

from __future__ import annotations

import logging

import procrastinate

from shared.integrations.email import Mailer
from shared.notifications.outbox import send_pending_emails
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(name="send_notification_emails", queue="default", queueing_lock="send_notification_emails")
async def send_notification_emails(timestamp: int | None = None) -> None:
    """Send queued notification emails (deferred right after a commit, and every minute as a sweep)."""
    settings = Settings.from_env()
    sent = await send_pending_emails(Mailer(settings.smtp_url), settings.base_url)
    if sent:
        log.info("sent notification emails", extra={"sent": sent})
