"""The relationship record every other area writes to: created on first contact, moved forward by
offers and deals, and a timeline line for every interaction. Called inside the caller's transaction."""

from __future__ import annotations

from shared.db.engine import get_engine
from shared.db.tables import RelationshipEvent

# Stages a collaboration can push a relationship to, in order; 'paused' and 'alumni' are set by staff
# (an offer to a paused or alumni creator re-opens the relationship as 'negotiating').
_FORWARD_ORDER = ("prospect", "contacted", "negotiating", "active")


async def ensure_relationship(brand_id: int, creator_id: int, *, at_least: str = "prospect") -> int:
    """Return the relationship id, creating it, and move its stage forward to `at_least` if behind."""
    rows = await get_engine().fetch(
        """
        INSERT INTO relationship (brand, creator, stage, tags, created_at, last_interaction_at)
        VALUES ($1, $2, $3, '{}', now(), now())
        ON CONFLICT (brand, creator) DO UPDATE SET last_interaction_at = now()
        RETURNING id, stage
        """,
        brand_id,
        creator_id,
        at_least,
    )
    relationship_id, stage = int(rows[0]["id"]), str(rows[0]["stage"])
    if stage != at_least and _rank(stage) < _rank(at_least):
        await get_engine().fetch("UPDATE relationship SET stage = $2 WHERE id = $1", relationship_id, at_least)
    return relationship_id


def _rank(stage: str) -> int:
    # paused/alumni rank below 'negotiating' so that a new offer re-opens the relationship.
    return _FORWARD_ORDER.index(stage) if stage in _FORWARD_ORDER else 1


async def record_interaction(
    brand_id: int, creator_id: int, *, kind: str, summary: str, link: str = "", actor_label: str = ""
) -> None:
    """Add one line to the brand x creator timeline (offers, messages, drafts, payments, notes...)."""
    await RelationshipEvent.insert(
        RelationshipEvent(
            brand=brand_id,
            creator=creator_id,
            kind=kind,
            summary=summary[:500],
            link=link,
            actor_label=actor_label,
        )
    )
    await get_engine().fetch(
        "UPDATE relationship SET last_interaction_at = now() WHERE brand = $1 AND creator = $2", brand_id, creator_id
    )
