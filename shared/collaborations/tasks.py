"""Collaborations' jobs, on its procrastinate blueprint (shared.jobs adds it to the app and holds the schedules).

The deliverables' due-date reminders run here, not in shared.notifications.tasks: they create notifications,
and creating one queues that module's email task, so keeping them there would make an import cycle.
"""

from __future__ import annotations

import logging

import procrastinate

from shared.notifications import reminders

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


# `lock` keeps a slow run and the next one from working side by side; reminders are idempotent anyway
# (one per deliverable and due date).
@blueprint.task(
    name="send_due_reminders", queue="default", queueing_lock="send_due_reminders", lock="send_due_reminders"
)
async def send_due_reminders(timestamp: int | None = None) -> None:
    """Remind creators and brand staff of deliverables due within a few days, and of overdue ones."""
    report = await reminders.send_due_reminders()
    log.info("sent due reminders", extra={"due_soon": report.due_soon, "overdue": report.overdue})
