"""What the periodic jobs do: sent contracts expire past their date, unsigned ones get reminders."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import system_actor
from shared.contracts.actions.common import _LOCK, _move, _now, _renewal_of, _tell_brand, creator_contract_link
from shared.contracts.evidence import append_event
from shared.contracts.rules import Status
from shared.dates import format_day
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.notifications.actions import Recipient, notify
from shared.rights.amendments import renewal_amendment_failed

REMIND_AFTER = dt.timedelta(days=3)
REMIND_BEFORE_EXPIRY = dt.timedelta(days=1)


async def expire_contracts(now: dt.datetime | None = None) -> int:
    """Sent contracts past their expiry date become expired (a periodic job)."""
    moment = now or _now()
    ids = await get_engine().fetch(
        "SELECT id FROM contract WHERE status = 'sent' AND expires_at <= $1 ORDER BY id", moment
    )
    actor = system_actor("contract expiry")
    for item in ids:
        async with atomic():
            rows = await get_engine().fetch(_LOCK, item["id"])
            row = dict(rows[0])
            if row["status"] != Status.SENT or row["expires_at"] > moment:
                continue
            await append_event(int(row["id"]), "expired", actor)
            await _move(actor, row, Status.EXPIRED, "contract.expired")
            if (renewal := _renewal_of(row)) is not None:
                await renewal_amendment_failed(
                    actor, int(row["id"]), renewal.renewal_id, declined=False, reason="it expired unsigned"
                )
            await _tell_brand(row, "contract.expired", f"The contract for {row['campaign_name']} expired unsigned", "")
    return len(ids)


async def remind_signers(now: dt.datetime | None = None) -> int:
    """Remind creators of contracts unsigned after 3 days, and again on the day before expiry."""
    moment = now or _now()
    rows = await get_engine().fetch(
        """
        SELECT id FROM contract
        WHERE status = 'sent' AND expires_at > $1
          AND ((reminded_at IS NULL AND sent_at <= $1 - $2::interval)
               OR (expires_at <= $1 + $3::interval
                   AND (reminded_at IS NULL OR reminded_at < expires_at - $3::interval)))
        ORDER BY id
        """,
        moment,
        REMIND_AFTER,
        REMIND_BEFORE_EXPIRY,
    )
    actor = system_actor("contract reminders")
    for item in rows:
        async with atomic():
            locked = dict((await get_engine().fetch(_LOCK, item["id"]))[0])
            await get_engine().fetch("UPDATE contract SET reminded_at = $2 WHERE id = $1", item["id"], moment)
            await append_event(int(item["id"]), "reminded", actor)
            await notify(
                Recipient("creator", int(locked["creator"]), locked["creator_email"] or ""),
                kind="contract.reminder",
                title=f"Reminder: {locked['brand_name']} is waiting for your signature",
                body=f"The contract for “{locked['campaign_name']}” expires on {format_day(locked['expires_at'])}.",
                link=creator_contract_link(int(item["id"])),
                event_key=f"contract.reminder:{item['id']}:{moment:%Y%m%d}",
                brand_id=int(locked["brand"]),
            )
    return len(rows)
