"""A deliverable's live posts as its creator sees them: one per link submitted, each with its own check and
readings (shared.results.queries reads one post; a deliverable may have up to five links)."""

from __future__ import annotations

from shared.db.engine import get_engine
from shared.results.queries import LivePostView, get_live_post


async def live_posts_for_creator(creator_id: int, deliverable_id: int) -> list[LivePostView]:
    """The creator's own live posts of one deliverable, in the order the links were given (empty before it
    went live)."""
    rows = await get_engine().fetch(
        "SELECT id, brand FROM live_post WHERE deliverable = $1 AND creator = $2 ORDER BY id",
        deliverable_id,
        creator_id,
    )
    return [await get_live_post(int(r["brand"]), int(r["id"])) for r in rows]
