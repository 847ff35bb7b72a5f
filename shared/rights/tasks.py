"""Usage rights' jobs, on their procrastinate blueprint (shared.jobs adds it to the app and holds the schedule)."""

from __future__ import annotations

import logging

import procrastinate

from shared.rights import alerts
from shared.rights.rules import today_utc

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(
    name="send_rights_expiry_alerts",
    queue="default",
    queueing_lock="send_rights_expiry_alerts",
    lock="send_rights_expiry_alerts",
)
async def send_rights_expiry_alerts(timestamp: int | None = None) -> None:
    """Alert the brand 30, 7 and 1 days before usage rights end (once each per grant)."""
    report = await alerts.send_expiry_alerts(today_utc())
    log.info("sent rights expiry alerts", extra={"grants": report.grants, "sent": report.sent})
