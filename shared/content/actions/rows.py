"""The rows content actions work on (the creator's own deliverable and draft, locked when asked), and links."""

from __future__ import annotations

from typing import Any

from shared.collaborations.rules import AGREED
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import NotFound


def staff_draft_link(brand_slug: str, draft_id: int) -> str:
    return f"/backoffice/b/{brand_slug}/reviews/{draft_id}"


def creator_deliverable_link(deliverable_id: int) -> str:
    return f"/work/{deliverable_id}"


# --- reading the rows an action works on ---------------------------------------------------------

_DELIVERABLE = """
SELECT d.id, d.status, d.kind, d.platform, d.title, d.creator, d.brand, d.collaboration, d.draft_due, d.live_due,
       c.status AS collaboration_status, c.agreed_terms, c.created_by, c.brief_version,
       b.slug AS brand_slug, b.name AS brand_name, k.name AS campaign_name, cr.display_name AS creator_name
FROM deliverable d
JOIN collaboration c ON c.id = d.collaboration
JOIN brand b ON b.id = d.brand
JOIN campaign k ON k.id = d.campaign
JOIN creator cr ON cr.id = d.creator
WHERE d.id = $1
"""
_DELIVERABLE_LOCKED = _DELIVERABLE + " FOR UPDATE OF d"
_DRAFT = (
    "SELECT f.*, d.kind, d.platform, d.status AS deliverable_status FROM draft f "
    "JOIN deliverable d ON d.id = f.deliverable WHERE f.id = $1"
)
_DRAFT_LOCKED = _DRAFT + " FOR UPDATE OF f"


async def _deliverable(creator_id: int, deliverable_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The creator's deliverable of an agreed deal (locked when asked); NotFound for anyone else's."""
    rows = await get_engine().fetch(_DELIVERABLE_LOCKED if lock else _DELIVERABLE, deliverable_id)
    if not rows or rows[0]["creator"] != creator_id or rows[0]["collaboration_status"] not in AGREED:
        raise NotFound("No such deliverable.")
    row: dict[str, Any] = dict(rows[0])
    row["agreed_terms"] = jsonb(row["agreed_terms"]) or {}
    return row


async def _draft(creator_id: int, draft_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The creator's draft, with its deliverable's kind and platform; NotFound for anyone else's."""
    rows = await get_engine().fetch(_DRAFT_LOCKED if lock else _DRAFT, draft_id)
    if not rows or rows[0]["creator"] != creator_id:
        raise NotFound("No such draft.")
    return dict(rows[0])
