"""Expiry alerts, sent by a daily job: 30, 7 and 1 days before a grant's last day, to the creator's relationship
owner, whoever sent the offer and whoever created the campaign (still members of the brand), in-app and by
email. Each alert's event key names the grant and the days left, so running the job again (or twice after a
crash) tells each person once; a renewed grant is a new entry and is alerted again before its new end."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.db.transactions import atomic
from shared.notifications.actions import Recipient, notify
from shared.rights.queries import list_grants_ending
from shared.rights.rules import ALERT_DAYS, day_text


@dataclass(frozen=True)
class AlertReport:
    grants: int
    sent: int


async def send_expiry_alerts(today: dt.date) -> AlertReport:
    """Tell the brand about grants ending in 30, 7 and 1 days."""
    grants = await list_grants_ending([today + dt.timedelta(days=n) for n in ALERT_DAYS])
    sent = 0
    async with atomic():
        for grant in grants:
            left = (grant.ends_on - today).days
            when = "tomorrow" if left == 1 else f"in {left} days"
            for staff_id, email in grant.recipients:
                if await notify(
                    Recipient("staff", staff_id, email),
                    kind="rights.expiring",
                    title=f"Usage rights end {when}: “{grant.what}” by {grant.creator_name}",
                    body=f"{grant.campaign_name}: the last day of use is {day_text(grant.ends_on)}. "
                    "Renew the rights from the library, or plan to take the content down.",
                    link=f"/backoffice/b/{grant.brand_slug}/library?expiring={left}#asset-{grant.deliverable_id}",
                    event_key=f"rights.expiring:{grant.entry_id}:{left}",
                    brand_id=grant.brand_id,
                ):
                    sent += 1
    return AlertReport(len(grants), sent)
