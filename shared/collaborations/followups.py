"""What follows any move on an offer besides telling the other side (actions.py's _tell_the_other_side):
the mover's own notifications about this offer are settled, and finance hears when a deal is agreed.

Kept apart from actions.py (which is being split by topic) and free of its imports, so either can call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.collaborations.rules import Terms
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.money import format_money
from shared.notifications.actions import Recipient, RecipientKind, notify


async def settle_offer_notifications(row: Mapping[str, Any], *, mover_kind: RecipientKind, mover_id: int) -> int:
    """The mover acted on the offer ("New offer", "countered"...): those notifications are done, not unread."""
    collaboration_id = int(row["id"])
    links = [f"/offers/{collaboration_id}", f"/backoffice/b/{row['brand_slug']}/offers/{collaboration_id}"]
    rows = await get_engine().fetch(
        """
        UPDATE notification SET read_at = now()
        WHERE recipient_kind = $1 AND recipient_id = $2 AND read_at IS NULL AND link = ANY($3::varchar[])
        RETURNING id
        """,
        mover_kind,
        mover_id,
        links,
    )
    return len(rows)


async def finance_recipients(brand_id: int) -> list[Recipient]:
    """The brand's finance people (active members with the finance role)."""
    rows = await get_engine().fetch(
        """
        SELECT s.id, s.email FROM staff_user s JOIN membership m ON m.staff = s.id
        WHERE m.brand = $1 AND m.role = 'finance' AND s.is_active
        ORDER BY s.id
        """,
        brand_id,
    )
    return [Recipient("staff", int(r["id"]), r["email"]) for r in rows]


async def tell_finance_deal_agreed(row: Mapping[str, Any]) -> None:
    """A deal was agreed: finance learns what the brand now owes, and when (payments follow the schedule)."""
    collaboration_id = int(row["id"])
    terms = Terms.from_json(jsonb(row["terms"]))
    fee = format_money(terms.fee_minor, terms.currency) if terms.fee_minor else "product only"
    for recipient in await finance_recipients(int(row["brand"])):
        await notify(
            recipient,
            kind="deal.agreed",
            title=f"Deal agreed: {row['creator_name']} for {row['campaign_name']} — {fee}",
            body="The payments follow the agreed schedule (on signing, on approval, when the post goes live).",
            link=f"/backoffice/b/{row['brand_slug']}/offers/{collaboration_id}",
            event_key=f"deal.agreed:{collaboration_id}",
            brand_id=int(row["brand"]),
        )


async def after_offer_move(row: Mapping[str, Any], *, mover_kind: RecipientKind, mover_id: int, kind: str) -> None:
    """Called inside the move's transaction, once the other side has been told."""
    await settle_offer_notifications(row, mover_kind=mover_kind, mover_id=mover_id)
    if kind == "offer.accepted":
        await tell_finance_deal_agreed(row)
