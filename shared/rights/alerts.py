"""Expiry alerts, sent by an hourly job: 30, 7 and 1 days before a grant's last day, and the day after it ended
(take it down), to the creator's relationship
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
    """Tell the brand about grants ending in 30, 7 and 1 days, and about those that ended yesterday (to take
    down)."""
    grants = await list_grants_ending([today + dt.timedelta(days=n) for n in (*ALERT_DAYS, -1)])
    sent = 0
    async with atomic():
        for grant in grants:
            left = (grant.ends_on - today).days
            library = f"/backoffice/b/{grant.brand_slug}/library"
            if left < 0:
                kind, title = "rights.ended", f"Usage rights ended: take down “{grant.what}” by {grant.creator_name}"
                body = f"{grant.campaign_name}: the last day of use was {day_text(grant.ends_on)}. Take it down "
                body += "wherever the brand still uses it, or renew the rights."
                link = f"{library}?expired=true#asset-{grant.deliverable_id}"
            else:
                when = "tomorrow" if left == 1 else f"in {left} days"
                kind, title = "rights.expiring", f"Usage rights end {when}: “{grant.what}” by {grant.creator_name}"
                body = f"{grant.campaign_name}: the last day of use is {day_text(grant.ends_on)}. "
                body += "Renew the rights from the library, or plan to take the content down."
                link = f"{library}?expiring={left}#asset-{grant.deliverable_id}"
            for staff_id, email in grant.recipients:
                if await notify(
                    Recipient("staff", staff_id, email),
                    kind=kind,
                    title=title,
                    body=body,
                    link=link,
                    event_key=f"{kind}:{grant.entry_id}:{left}",
                    brand_id=grant.brand_id,
                ):
                    sent += 1
    return AlertReport(len(grants), sent)
