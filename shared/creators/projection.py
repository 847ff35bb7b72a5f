"""The creator search projection: followers, tier, engagement and search text copied onto Creator.

The roster filters and searches 100k+ creators; computing these from social identities on every
query would join and aggregate per row. Every action that changes a creator's accounts, follower
counts or name calls refresh_creator_projection inside its transaction, so the copy never drifts.
"""

from __future__ import annotations

from shared.db.engine import get_engine

# Tier thresholds (docs/design.md): nano 1k-10k, micro 10k-100k, macro 100k-1M, mega 1M+.
_REFRESH = """
UPDATE creator c SET
    followers_total = agg.followers,
    engagement_bp = agg.engagement_bp,
    platforms = agg.platforms,
    tier = CASE
        WHEN agg.followers >= 1000000 THEN 'mega'
        WHEN agg.followers >= 100000 THEN 'macro'
        WHEN agg.followers >= 10000 THEN 'micro'
        WHEN agg.followers >= 1000 THEN 'nano'
        ELSE '' END,
    search_text = lower(c.display_name || ' ' || agg.handles)
FROM (
    SELECT c2.id,
           COALESCE(sum(s.followers), 0) AS followers,
           CASE WHEN sum(s.followers) FILTER (WHERE s.engagements_per_post IS NOT NULL) > 0
                THEN (sum(s.engagements_per_post) FILTER (WHERE s.followers IS NOT NULL) * 10000
                      / sum(s.followers) FILTER (WHERE s.engagements_per_post IS NOT NULL))::int
           END AS engagement_bp,
           COALESCE(array_agg(DISTINCT s.provider) FILTER (WHERE s.provider IS NOT NULL), '{}') AS platforms,
           COALESCE(string_agg(s.handle, ' '), '') AS handles
    FROM creator c2 LEFT JOIN social_identity s ON s.creator = c2.id
    WHERE c2.id = $1
    GROUP BY c2.id
) agg
WHERE c.id = agg.id
"""


async def refresh_creator_projection(creator_id: int) -> None:
    """Recompute one creator's followers total, tier, engagement rate, platforms and search text."""
    await get_engine().fetch(_REFRESH, creator_id)
