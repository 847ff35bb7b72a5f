"""What every collaboration action shares: the side acting (brand or creator), the locked row it works on,
whom to tell, links, and the offer's revision history."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.collaborations.followups import after_offer_move
from shared.collaborations.rules import NOTE_MAX, Party, Terms, can_negotiate
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.money import format_money
from shared.notifications.actions import Recipient, notify


@dataclass(frozen=True)
class BrandSide:
    """Staff acting for a brand (owners and managers negotiate)."""

    staff: StaffContext
    brand_id: int


@dataclass(frozen=True)
class CreatorSide:
    creator_id: int


Side = BrandSide | CreatorSide


def _party(side: Side) -> Party:
    return "brand" if isinstance(side, BrandSide) else "creator"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def staff_offer_link(brand_slug: str, collaboration_id: int) -> str:
    return f"/backoffice/b/{brand_slug}/offers/{collaboration_id}"


def creator_offer_link(collaboration_id: int) -> str:
    return f"/offers/{collaboration_id}"


# --- reading the row an action works on ---------------------------------------------------------

_LOCK = """
SELECT c.id, c.brand, c.campaign, c.creator, c.status, c.terms, c.terms_by, c.currency, c.created_by,
       b.slug AS brand_slug, b.name AS brand_name, k.name AS campaign_name,
       cr.display_name AS creator_name, cr.email AS creator_email
FROM collaboration c
JOIN brand b ON b.id = c.brand
JOIN campaign k ON k.id = c.campaign
JOIN creator cr ON cr.id = c.creator
WHERE c.id = $1
FOR UPDATE OF c
"""


async def _locked(collaboration_id: int, side: Side) -> dict[str, Any]:
    """The collaboration, locked, if this side is part of it; NotFound otherwise (never reveal others')."""
    rows = await get_engine().fetch(_LOCK, collaboration_id)
    row = rows[0] if rows else None
    if isinstance(side, BrandSide):
        if row is None or row["brand"] != side.brand_id:
            raise NotFound("No such offer.")
        if not can_negotiate(side.staff.role_at(side.brand_id)):
            raise PermissionDenied("Only owners and managers negotiate offers.")
    elif row is None or row["creator"] != side.creator_id:
        raise NotFound("No such offer.")
    assert row is not None
    row["terms"] = jsonb(row["terms"])
    locked: dict[str, Any] = row
    return locked


async def staff_recipients(brand_id: int, creator_id: int, created_by: int | None) -> list[Recipient]:
    """Who hears about a collaboration on the brand side: whoever sent the offer and the creator's owner in the CRM
    (still members of the brand)."""
    rows = await get_engine().fetch(
        """
        SELECT DISTINCT s.id, s.email FROM staff_user s
        JOIN membership m ON m.staff = s.id AND m.brand = $1
        WHERE s.is_active AND (s.id = $3 OR s.id = (SELECT owner FROM relationship WHERE brand = $1 AND creator = $2))
        """,
        brand_id,
        creator_id,
        created_by,
    )
    return [Recipient("staff", int(row["id"]), row["email"]) for row in rows]


def _creator_recipient(row: Mapping[str, Any]) -> Recipient:
    return Recipient("creator", int(row["creator"]), row["creator_email"] or "")


async def _tell_the_other_side(
    row: Mapping[str, Any], side: Side, *, kind: str, title: str, body: str, event: str
) -> None:
    """Notify the creator when the brand acted, or the brand's people on this collaboration when the creator did."""
    if isinstance(side, BrandSide):
        await after_offer_move(row, mover_kind="staff", mover_id=side.staff.id, kind=kind)
    else:
        await after_offer_move(row, mover_kind="creator", mover_id=side.creator_id, kind=kind)
    if isinstance(side, BrandSide):
        await notify(
            _creator_recipient(row),
            kind=kind,
            title=title,
            body=body,
            link=creator_offer_link(int(row["id"])),
            event_key=event,
            brand_id=int(row["brand"]),
        )
        return
    for recipient in await staff_recipients(int(row["brand"]), int(row["creator"]), row["created_by"]):
        await notify(
            recipient,
            kind=kind,
            title=title,
            body=body,
            link=staff_offer_link(row["brand_slug"], int(row["id"])),
            event_key=event,
            brand_id=int(row["brand"]),
        )


async def _add_revision(collaboration_id: int, party: Party, label: str, terms: Terms, note: str) -> int:
    rows = await get_engine().fetch(
        """
        INSERT INTO offer_revision (collaboration, number, proposed_by, proposer_label, terms, note, created_at)
        VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM offer_revision WHERE collaboration = $1),
                $2, $3, $4::jsonb, $5, now())
        RETURNING number
        """,
        collaboration_id,
        party,
        label,
        json.dumps(terms.to_json()),
        note,
    )
    return int(rows[0]["number"])


async def _revision_count(collaboration_id: int) -> int:
    rows = await get_engine().fetch(
        "SELECT count(*) AS n FROM offer_revision WHERE collaboration = $1", collaboration_id
    )
    return int(rows[0]["n"])


def _clean_note(note: str, *, field: str = "note") -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput({field: f"Keep the message under {NOTE_MAX} characters."})
    return note


def _fee_text(terms: Terms) -> str:
    fee = format_money(terms.fee_minor, terms.currency) if terms.fee_minor else "product only"
    count = len(terms.deliverables)
    return f"{fee} for {count} deliverable{'s' if count != 1 else ''}"
