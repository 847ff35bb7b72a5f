"""Reading campaigns and briefs. get_* raise NotFound; list_* return many."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.campaigns.rules import BriefChange, diff_briefs
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import NotFound


@dataclass(frozen=True)
class CampaignPage:
    rows: list[dict[str, Any]]
    next_after: int | None  # the id to continue after (keyset), None on the last page


async def list_campaigns(
    brand_id: int, *, include_archived: bool = False, after: int | None = None, limit: int = 50
) -> CampaignPage:
    """The brand's campaigns, newest first, with offer counts and committed spend; one query per page."""
    rows = await get_engine().fetch(
        """
        SELECT k.id, k.name, k.status, k.currency, k.budget_minor, k.starts_on, k.ends_on, k.created_at,
               (SELECT max(number) FROM brief_version v WHERE v.campaign = k.id AND v.published_at IS NOT NULL)
                   AS published_version,
               count(c.id) AS offers,
               count(c.id) FILTER (WHERE c.status IN ('accepted', 'contracted', 'in_progress', 'completed')) AS deals,
               COALESCE(sum(c.fee_minor) FILTER (
                   WHERE c.status IN ('accepted', 'contracted', 'in_progress', 'completed')), 0) AS committed_minor
        FROM campaign k
        LEFT JOIN collaboration c ON c.campaign = k.id
        WHERE k.brand = $1 AND ($2 OR k.status <> 'archived') AND ($3::int IS NULL OR k.id < $3)
        GROUP BY k.id
        ORDER BY k.id DESC
        LIMIT $4
        """,
        brand_id,
        include_archived,
        after,
        limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return CampaignPage(rows, int(rows[-1]["id"]) if more else None)


async def list_open_campaigns(brand_id: int) -> list[dict[str, Any]]:
    """Campaigns an offer can be sent in (draft or active, with a published brief), for the offer form."""
    return await get_engine().fetch(
        """
        SELECT k.id, k.name, k.currency, k.status FROM campaign k
        WHERE k.brand = $1 AND k.status IN ('draft', 'active')
          AND EXISTS (SELECT 1 FROM brief_version v WHERE v.campaign = k.id AND v.published_at IS NOT NULL)
        ORDER BY k.id DESC
        """,
        brand_id,
    )


async def get_campaign(brand_id: int, campaign_id: int) -> dict[str, Any]:
    """One campaign of this brand; NotFound for another brand's (indistinguishable from missing)."""
    rows = await get_engine().fetch("SELECT * FROM campaign WHERE id = $1 AND brand = $2", campaign_id, brand_id)
    if not rows:
        raise NotFound("No such campaign.")
    row: dict[str, Any] = rows[0]
    return row


@dataclass(frozen=True)
class BriefVersionView:
    id: int
    number: int
    content: dict[str, Any]
    published_at: Any
    created_at: Any
    author: str
    changes: list[BriefChange]  # against the version before it


async def list_brief_versions(campaign_id: int) -> list[BriefVersionView]:
    """Every version of a campaign's brief, newest first, each with what changed since the one before."""
    rows = await get_engine().fetch(
        """
        SELECT v.id, v.number, v.content, v.published_at, v.created_at, COALESCE(s.name, '') AS author
        FROM brief_version v LEFT JOIN staff_user s ON s.id = v.created_by
        WHERE v.campaign = $1 ORDER BY v.number
        """,
        campaign_id,
    )
    versions: list[BriefVersionView] = []
    previous: dict[str, Any] = {}
    for row in rows:
        content = jsonb(row["content"])
        versions.append(
            BriefVersionView(
                id=int(row["id"]),
                number=int(row["number"]),
                content=content,
                published_at=row["published_at"],
                created_at=row["created_at"],
                author=row["author"],
                changes=diff_briefs(previous, content) if versions else [],
            )
        )
        previous = content
    return list(reversed(versions))


async def get_published_brief(campaign_id: int, version_id: int | None = None) -> dict[str, Any]:
    """A published brief version (the given one, or the newest); NotFound when none is published."""
    rows = await get_engine().fetch(
        """
        SELECT id, number, content, published_at FROM brief_version
        WHERE campaign = $1 AND published_at IS NOT NULL AND ($2::int IS NULL OR id = $2)
        ORDER BY number DESC LIMIT 1
        """,
        campaign_id,
        version_id,
    )
    if not rows:
        raise NotFound("This campaign has no published brief.")
    row: dict[str, Any] = rows[0]
    row["content"] = jsonb(row["content"])
    return row
