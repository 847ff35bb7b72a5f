"""Deadline reminders, sent by an hourly job: a deliverable due within DUE_SOON_DAYS days, and one overdue.

Each reminder's event key names the deliverable and its due date, so running the job every hour
notifies each person once per due date; when the date moves, the new date is reminded again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.campaigns.rules import KIND_LABELS, platform_label
from shared.collaborations.actions import staff_offer_link, staff_recipients
from shared.collaborations.rules import Status
from shared.dates import format_day
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.notifications.actions import Recipient, notify

log = logging.getLogger(__name__)

DUE_SOON_DAYS = 3
# A deal is running: its deliverables are owed (completed and cancelled deals owe nothing more).
RUNNING = (Status.ACCEPTED.value, Status.CONTRACTED.value, Status.IN_PROGRESS.value)
# Deliverables past these statuses have nothing more due from anyone.
DONE = ("approved", "live", "verified")
# The creator has done their part while a draft waits for review; only the brand is reminded then.
WAITING_FOR_BRAND = ("draft_submitted",)
CREATOR_WORK_LINK = "/work"

_DUE = """
SELECT d.id, d.collaboration, d.brand, d.creator, d.kind, d.platform, d.title, d.status, d.due_on, d.draft_due,
       c.created_by, b.slug AS brand_slug, k.name AS campaign_name, cr.email AS creator_email,
       cr.display_name AS creator_name
FROM deliverable d
JOIN collaboration c ON c.id = d.collaboration
JOIN brand b ON b.id = d.brand
JOIN campaign k ON k.id = d.campaign
JOIN creator cr ON cr.id = d.creator
WHERE d.due_on IS NOT NULL AND d.due_on <= $1
  AND d.status <> ALL($2::text[]) AND c.status = ANY($3::text[]) AND cr.deleted_at IS NULL
ORDER BY d.due_on, d.id
"""


@dataclass(frozen=True)
class ReminderReport:
    due_soon: int = 0  # notifications created (not deliverables)
    overdue: int = 0


def _when(due_on: dt.date, today: dt.date) -> str:
    days = (due_on - today).days
    if days < 0:
        return f"was due {format_day(due_on)}"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due in {days} days ({format_day(due_on)})"


def _what(row: Mapping[str, Any]) -> str:
    label = f"{KIND_LABELS.get(row['kind'], row['kind'])} on {platform_label(row['platform'])}"
    # A deliverable without a draft step is due to go live on its due date.
    step = "draft" if row["draft_due"] is not None and row["due_on"] == row["draft_due"] else "go-live"
    return f"{label} {step}"


async def send_due_reminders(today: dt.date | None = None) -> ReminderReport:
    """Remind the creator and the brand's people of deliverables due soon or overdue; once per due date."""
    today = today or dt.datetime.now(dt.UTC).date()
    rows = await get_engine().fetch(_DUE, today + dt.timedelta(days=DUE_SOON_DAYS), list(DONE), list(RUNNING))
    counts = {"due_soon": 0, "overdue": 0}
    staff_cache: dict[tuple[int, int, int | None], list[Recipient]] = {}
    for row in rows:
        kind = "overdue" if row["due_on"] < today else "due_soon"
        key = (int(row["brand"]), int(row["creator"]), row["created_by"])
        if key not in staff_cache:
            staff_cache[key] = await staff_recipients(*key)
        event = f"{kind}:{row['id']}:{row['due_on'].isoformat()}"
        what, when, campaign = _what(row), _when(row["due_on"], today), row["campaign_name"]
        title = f"{'Overdue' if kind == 'overdue' else 'Coming up'}: {what} for “{campaign}”, {when}"
        # One transaction per deliverable: a failure leaves the others' reminders sent.
        async with atomic():
            if row["status"] not in WAITING_FOR_BRAND:
                counts[kind] += await notify(
                    Recipient("creator", int(row["creator"]), row["creator_email"] or ""),
                    kind=kind,
                    title=title,
                    body=f"Your {what} for “{campaign}” is {when}."
                    + (" Upload it or message the brand if you need more time." if kind == "overdue" else ""),
                    link=CREATOR_WORK_LINK,
                    event_key=event,
                    brand_id=int(row["brand"]),
                )
            for recipient in staff_cache[key]:
                counts[kind] += await notify(
                    recipient,
                    kind=kind,
                    title=f"{title} ({row['creator_name']})",
                    body=f"{row['creator_name']}'s {what} for “{campaign}” is {when}.",
                    link=staff_offer_link(row["brand_slug"], int(row["collaboration"])),
                    event_key=event,
                    brand_id=int(row["brand"]),
                )
    if rows:
        log.info("deadline reminders", extra={"deliverables": len(rows), **counts})
    return ReminderReport(due_soon=counts["due_soon"], overdue=counts["overdue"])
