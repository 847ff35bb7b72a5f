"""A deliverable is verified once every one of its live posts is (one live post per link the creator submitted)."""

from __future__ import annotations

from shared.content.rules import next_deliverable_status
from shared.db.engine import get_engine


async def lock_deliverable(deliverable_id: int) -> None:
    """Taken before a live post's row, so two of a deliverable's posts verified at once see each other's state."""
    await get_engine().fetch("SELECT id FROM deliverable WHERE id = $1 FOR UPDATE", deliverable_id)


async def verify_deliverable_when_all_posts_are(deliverable_id: int) -> bool:
    """The deliverable becomes verified (from live) when every one of its live posts is; True when it did.
    Called with the deliverable locked (lock_deliverable), after the post's own state was written."""
    rows = await get_engine().fetch(
        "UPDATE deliverable SET status = $2, updated_at = now() WHERE id = $1 AND status = 'live' "
        "AND NOT EXISTS (SELECT 1 FROM live_post WHERE deliverable = $1 AND state <> 'verified') RETURNING id",
        deliverable_id,
        next_deliverable_status("live", "verify"),
    )
    return bool(rows)
