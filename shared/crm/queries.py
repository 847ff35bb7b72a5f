"""Read-only CRM queries: the roster, one creator as a brand sees them, their timeline and notes.

Which creators a brand may see (VISIBLE below): those it has a relationship with, plus creators
who signed up themselves, finished onboarding and are open to offers. A prospect another brand
added is invisible, and deleted creators are invisible to everyone. Relationship data (stage,
owner, tags, notes, timeline) is always read for the asking brand only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shared.crm.rules import NO_RELATIONSHIP, PLATFORMS, RosterFilters, creator_invitation_state
from shared.crypto import hash_token
from shared.db.engine import get_engine
from shared.db.sql import SqlArgs, escape_like
from shared.db.together import Read, fetch_together
from shared.db.transactions import atomic
from shared.errors import NotFound

# Used with `creator c LEFT JOIN relationship r ON r.creator = c.id AND r.brand = <brand>`.
VISIBLE = (
    "c.deleted_at IS NULL AND (r.id IS NOT NULL OR "
    "(c.source = 'signup' AND c.open_to_offers AND c.onboarded_at IS NOT NULL))"
)


# --- roster ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterRow:
    id: int
    display_name: str
    country: str | None
    niches: list[str]
    handles: list[dict[str, str]]  # [{"provider": ..., "handle": ...}]
    platforms: list[str]
    tier: str
    followers_total: int
    engagement_bp: int | None
    source: str
    stage: str | None  # None: no relationship with this brand yet
    owner_id: int | None
    owner_name: str | None
    tags: list[str]


@dataclass(frozen=True)
class RosterPage:
    rows: list[RosterRow]
    next_after: int | None  # the cursor for the next page (a creator id), None on the last page
    close_matches: bool = False  # nothing contained the search: these are the closest spellings, best first
    owners: list[dict[str, Any]] = field(default_factory=list)  # the owner filter's choices, when asked for


_ROSTER = """
SELECT c.id, c.display_name, c.country, c.niches, c.followers_total, c.engagement_bp, c.tier, c.platforms,
       c.source, r.stage, r.owner AS owner_id, s.name AS owner_name, COALESCE(r.tags, '{{}}') AS tags,
       COALESCE((SELECT json_agg(json_build_object('provider', si.provider, 'handle', si.handle) ORDER BY si.id)
                 FROM social_identity si
                 WHERE si.creator = c.id AND si.provider = ANY({platforms}::varchar[])), '[]') AS handles
FROM creator c
LEFT JOIN relationship r ON r.creator = c.id AND r.brand = $1
LEFT JOIN staff_user s ON s.id = r.owner
WHERE {where}
ORDER BY {order}
LIMIT {limit}
"""

# Each order with the keyset condition that continues it after a creator id (the next page's cursor).
_ORDERS = {
    "": ("lower(c.display_name), c.id", "(lower(c.display_name), c.id) > (SELECT lower(x.display_name), x.id"),
    "followers": ("c.followers_total DESC, c.id DESC", "(c.followers_total, c.id) < (SELECT x.followers_total, x.id"),
    "engagement": (
        "COALESCE(c.engagement_bp, -1) DESC, c.id DESC",
        "(COALESCE(c.engagement_bp, -1), c.id) < (SELECT COALESCE(x.engagement_bp, -1), x.id",
    ),
}

# Typos: when nothing contains what was typed, creators whose name or handle is close to it ("alcie"
# finds Alice), best first, through the same trigram index (pg_trgm's word similarity).
FUZZY_THRESHOLD = "0.3"
FUZZY_LIMIT = 50


# A search that matches few creators is fastest read through the trigram index and then sorted; one that
# matches many is fastest by walking the name index until a page is full (bench/query_bench.py: a rare
# name late in the alphabet took 200+ ms the second way, a common fragment 200+ ms the first way).
SEARCH_PREFETCH = 2000


async def _search_condition(q: str, args: SqlArgs) -> tuple[str, list[int] | None]:
    """The search's condition, and the ids in rank order when only a typo-tolerant match found anyone."""
    # search_text is lower-cased name + handles with a trigram index: fragments of a handle match.
    pattern = "%" + escape_like(q.lstrip("@")) + "%"
    matches = await get_engine().fetch(
        "SELECT id FROM creator WHERE search_text LIKE $1 LIMIT $2", pattern, SEARCH_PREFETCH + 1
    )
    if not matches:
        ranked = await _similar_creators(q.lstrip("@"))
        return f"c.id = ANY({args(ranked)}::int[])", ranked
    if len(matches) <= SEARCH_PREFETCH:
        return f"c.id = ANY({args([int(row['id']) for row in matches])}::int[])", None
    return f"c.search_text LIKE {args(pattern)}", None


async def _similar_creators(q: str) -> list[int]:
    """Creator ids whose name or a handle is close to `q`, most similar first."""
    async with atomic():  # the threshold is set for this transaction only
        await get_engine().fetch("SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)", FUZZY_THRESHOLD)
        rows = await get_engine().fetch(
            "SELECT id FROM creator WHERE $1 <% search_text ORDER BY $1 <<-> search_text, id LIMIT $2",
            q,
            FUZZY_LIMIT,
        )
    return [int(row["id"]) for row in rows]


def _roster_conditions(filters: RosterFilters, args: SqlArgs) -> list[str]:
    where = [VISIBLE]
    if filters.platform:
        where.append(f"c.platforms @> ARRAY[{args(filters.platform)}]::varchar[]")
    if filters.tier:
        where.append(f"c.tier = {args(filters.tier)}")
    if filters.niche:
        where.append(f"c.niches @> ARRAY[{args(filters.niche)}]::varchar[]")
    if filters.country:
        where.append(f"c.country = {args(filters.country)}")
    if filters.min_followers is not None:
        where.append(f"c.followers_total >= {args(filters.min_followers)}")
    if filters.max_followers is not None:
        where.append(f"c.followers_total <= {args(filters.max_followers)}")
    if filters.min_engagement_bp is not None:
        where.append(f"c.engagement_bp >= {args(filters.min_engagement_bp)}")
    if filters.max_engagement_bp is not None:
        where.append(f"c.engagement_bp <= {args(filters.max_engagement_bp)}")
    if filters.stage == NO_RELATIONSHIP:
        # Tested on a column of the join condition, so PostgreSQL plans an anti-join (r.id would not).
        where.append("r.creator IS NULL")
    elif filters.stage:
        where.append(f"r.stage = {args(filters.stage)}")
    if filters.owner == "none":
        where.append("r.owner IS NULL")
    elif isinstance(filters.owner, int):
        where.append(f"r.owner = {args(filters.owner)}")
    if filters.tag:
        where.append(f"r.tags @> ARRAY[{args(filters.tag)}]::varchar[]")
    return where


async def list_roster(
    brand_id: int, filters: RosterFilters, *, after: int | None = None, limit: int = 50, with_owners: bool = False
) -> RosterPage:
    """The creators this brand may see, by name, keyset-paginated; one query per page (two with a search), the
    owner filter's choices in the same statement when `with_owners` (the roster page's two reads, together)."""
    args = SqlArgs(brand_id)
    where = _roster_conditions(filters, args)
    order, continue_after = _ORDERS[filters.sort if filters.sort in _ORDERS else ""]
    ranked: list[int] | None = None
    if filters.q:
        condition, ranked = await _search_condition(filters.q, args)
        where.append(condition)
        if ranked is not None:
            if after is not None:  # the close matches are one page
                return RosterPage([], None, owners=await list_owner_choices(brand_id) if with_owners else [])
            order = f"array_position({args(ranked)}::int[], c.id)"
    if after is not None:
        # Keyset on the order's columns: the cursor is the last row's id.
        cursor = args(after)
        where.append(f"{continue_after} FROM creator x WHERE x.id = {cursor})")
    # Only constant fragments are joined here; every value is a bound parameter.
    sql = _ROSTER.format(where=" AND ".join(where), order=order, limit=args(limit + 1), platforms=args(list(PLATFORMS)))
    reads: list[Read] = [(sql, args.values)]
    if with_owners:
        reads.append((_OWNER_CHOICES, [brand_id]))
    # Rows come back as JSON (shared.db.together): every roster column is a number, text, array or JSON already.
    records, *owners = await fetch_together(reads)
    rows = [
        RosterRow(
            id=rec["id"],
            display_name=rec["display_name"],
            country=rec["country"],
            niches=rec["niches"] or [],
            handles=rec["handles"],
            platforms=rec["platforms"] or [],
            tier=rec["tier"],
            followers_total=rec["followers_total"],
            engagement_bp=rec["engagement_bp"],
            source=rec["source"],
            stage=rec["stage"],
            owner_id=rec["owner_id"],
            owner_name=rec["owner_name"],
            tags=rec["tags"] or [],
        )
        for rec in records[:limit]
    ]
    more = len(records) > limit and ranked is None
    return RosterPage(
        rows,
        rows[-1].id if more and rows else None,
        close_matches=ranked is not None,
        owners=owners[0] if owners else [],
    )


# --- one creator ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterCreator:
    """A creator as one brand sees them: profile, linked accounts, and that brand's relationship."""

    id: int
    display_name: str
    country: str | None
    niches: list[str]
    bio: str
    source: str  # 'signup' or 'prospect'
    open_to_offers: bool
    onboarded: bool
    rate_minor: int | None
    rate_currency: str
    followers_total: int
    engagement_bp: int | None
    tier: str
    accounts: list[dict[str, Any]]
    # The brand's relationship; stage None means there is none yet.
    stage: str | None
    owner_id: int | None
    owner_name: str | None
    tags: list[str]
    relationship_since: dt.datetime | None
    last_interaction_at: dt.datetime | None
    # The brand's latest portal invitation to this prospect, if any.
    invitation: dict[str, Any] | None


async def get_roster_creator(brand_id: int, creator_id: int) -> RosterCreator:
    """One creator the brand may see (NotFound otherwise, indistinguishable from missing); three queries."""
    engine = get_engine()
    found = await engine.fetch(
        f"""
        SELECT c.id, c.display_name, c.country, c.niches, c.bio, c.source, c.open_to_offers,
               c.onboarded_at IS NOT NULL AS onboarded, c.rate_minor, c.rate_currency,
               c.followers_total, c.engagement_bp, c.tier,
               r.stage, r.owner AS owner_id, s.name AS owner_name, COALESCE(r.tags, '{{}}') AS tags,
               r.created_at AS relationship_since, r.last_interaction_at
        FROM creator c
        LEFT JOIN relationship r ON r.creator = c.id AND r.brand = $1
        LEFT JOIN staff_user s ON s.id = r.owner
        WHERE c.id = $2 AND {VISIBLE}
        """,  # noqa: S608 (VISIBLE is a constant; values are bound parameters)
        brand_id,
        creator_id,
    )
    if not found:
        raise NotFound("No such creator on your roster.")
    row = found[0]
    accounts = await engine.fetch(
        """
        SELECT provider, handle, followers, followers_read_at, followers_source, engagements_per_post, profile_url
        FROM social_identity WHERE creator = $1 ORDER BY id
        """,
        creator_id,
    )
    invitations = await engine.fetch(
        """
        SELECT email, created_at, expires_at, accepted_at, expires_at <= now() AS expired
        FROM creator_invitation WHERE brand = $1 AND creator = $2 ORDER BY id DESC LIMIT 1
        """,
        brand_id,
        creator_id,
    )
    return RosterCreator(
        id=int(row["id"]),
        display_name=row["display_name"],
        country=row["country"],
        niches=list(row["niches"] or []),
        bio=row["bio"],
        source=row["source"],
        open_to_offers=bool(row["open_to_offers"]),
        onboarded=bool(row["onboarded"]),
        rate_minor=row["rate_minor"],
        rate_currency=row["rate_currency"],
        followers_total=int(row["followers_total"]),
        engagement_bp=row["engagement_bp"],
        tier=row["tier"],
        accounts=accounts,
        stage=row["stage"],
        owner_id=row["owner_id"],
        owner_name=row["owner_name"],
        tags=list(row["tags"] or []),
        relationship_since=row["relationship_since"],
        last_interaction_at=row["last_interaction_at"],
        invitation=invitations[0] if invitations else None,
    )


@dataclass(frozen=True)
class TimelinePage:
    rows: list[dict[str, Any]]
    older_than: int | None  # the cursor for older events (an event id), None when there are none


async def list_timeline(brand_id: int, creator_id: int, *, before: int | None = None, limit: int = 20) -> TimelinePage:
    """This brand's interactions with the creator, newest first, keyset-paginated; one query."""
    rows = await get_engine().fetch(
        """
        SELECT e.id, e.occurred_at, e.kind, e.summary, e.link, e.actor_label
        FROM relationship_event e
        WHERE e.brand = $1 AND e.creator = $2
          AND ($3::int IS NULL OR (e.occurred_at, e.id) < (
              SELECT x.occurred_at, x.id FROM relationship_event x WHERE x.id = $3 AND x.brand = $1))
        ORDER BY e.occurred_at DESC, e.id DESC
        LIMIT $4
        """,
        brand_id,
        creator_id,
        before,
        limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return TimelinePage(rows, int(rows[-1]["id"]) if more and rows else None)


async def list_notes(brand_id: int, creator_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The brand's private notes on the creator, newest first (the latest `limit`); one query."""
    return await get_engine().fetch(
        """
        SELECT n.id, n.body, n.created_at, COALESCE(s.name, 'Someone who left') AS author_name
        FROM relationship_note n
        JOIN relationship r ON r.id = n.relationship
        LEFT JOIN staff_user s ON s.id = n.author
        WHERE r.brand = $1 AND r.creator = $2
        ORDER BY n.created_at DESC, n.id DESC
        LIMIT $3
        """,
        brand_id,
        creator_id,
        limit,
    )


_OWNER_CHOICES = """
SELECT s.id, s.name FROM membership m JOIN staff_user s ON s.id = m.staff
WHERE m.brand = $1 AND s.is_active ORDER BY lower(s.name), s.id
"""


async def list_owner_choices(brand_id: int) -> list[dict[str, Any]]:
    """Who can own a relationship: the brand's active staff, by name; one query (list_roster can bring it too)."""
    return await get_engine().fetch(_OWNER_CHOICES, brand_id)


# --- portal invitations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinInvitation:
    brand_name: str
    state: str  # pending | accepted | expired (shared.crm.rules.creator_invitation_state)


async def get_creator_invitation(token: str) -> JoinInvitation:
    """What a creator's invitation link offers; NotFound for a link that never existed."""
    rows = await get_engine().fetch(
        """
        SELECT b.name AS brand_name, i.accepted_at IS NOT NULL AS accepted, i.expires_at <= now() AS expired,
               c.deleted_at IS NOT NULL AS prospect_gone
        FROM creator_invitation i JOIN brand b ON b.id = i.brand JOIN creator c ON c.id = i.creator
        WHERE i.token_hash = $1
        """,
        hash_token(token),
    )
    if not rows:
        raise NotFound("This invitation link is not valid. Check that you copied the whole link from the email.")
    row = rows[0]
    state = creator_invitation_state(
        accepted=row["accepted"], expired=row["expired"], prospect_gone=row["prospect_gone"]
    )
    return JoinInvitation(row["brand_name"], state)
