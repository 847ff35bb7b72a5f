"""Read-only: the standing grants of assets, and the content library (approved and live deliverables with what
their grants allow). "Usable now" is a question asked of the ledger here, never a stored flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from shared.campaigns.rules import KIND_LABELS, platform_label
from shared.db.engine import get_engine
from shared.integrations.storage import Storage
from shared.money import format_money
from shared.rights.rules import (
    CHANNELS,
    COUNTRIES,
    EXPIRING_MAX,
    RENEWAL_LABELS,
    RENEWAL_OPEN,
    AssetState,
    Grant,
    Timeline,
    asset_state,
    creator_text,
    library_filters_error,
    renewal_changes,
    tile_text,
    timeline,
)

# Deliverables whose content exists and was approved: the library's assets.
ASSET_STATUSES = ("approved", "live", "verified")
ASSET_SQL = "('approved', 'live', 'verified')"
PAGE_SIZE = 24

# A standing entry: a grant or extension that no later entry (extension, re-dated grant, revocation) supersedes.
STANDING = "e.kind IN ('grant', 'extend') AND NOT EXISTS (SELECT 1 FROM rights_entry s WHERE s.supersedes = e.id)"


def _grant(row: Mapping[str, Any]) -> Grant:
    return Grant(
        id=int(row["id"]),
        channels=tuple(row["channels"] or ()),
        territories=tuple(row["territories"] or ()),
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
    )


@dataclass(frozen=True)
class StandingEntry:
    id: int
    deliverable_id: int
    collaboration_id: int
    brand_id: int
    kind: str
    source: str
    grant: Grant


async def standing_entries(deliverable_ids: Sequence[int]) -> dict[int, list[StandingEntry]]:
    """The standing grants of these deliverables, by deliverable (one query)."""
    if not deliverable_ids:
        return {}
    rows = await get_engine().fetch(
        f"""
        SELECT e.id, e.deliverable, e.collaboration, e.brand, e.kind, e.source, e.channels, e.territories,
               e.starts_on, e.ends_on
        FROM rights_entry e WHERE e.deliverable = ANY($1::int[]) AND {STANDING}
        ORDER BY e.ends_on, e.id
        """,  # noqa: S608 (STANDING is a constant; values are bound parameters)
        list(deliverable_ids),
    )
    found: dict[int, list[StandingEntry]] = {}
    for row in rows:
        found.setdefault(int(row["deliverable"]), []).append(
            StandingEntry(
                id=int(row["id"]),
                deliverable_id=int(row["deliverable"]),
                collaboration_id=int(row["collaboration"]),
                brand_id=int(row["brand"]),
                kind=str(row["kind"]),
                source=str(row["source"]),
                grant=_grant(row),
            )
        )
    return found


@dataclass(frozen=True)
class OpenRenewal:
    id: int
    deliverable_id: int
    status: str  # proposed | countered | signing (RENEWAL_OPEN)
    ends_on: dt.date
    fee: str  # formatted
    note: str
    changes: tuple[str, ...]  # what the latest counter changed ("Until: 1 Jun 2027 → 1 Sep 2027")
    contract_id: int | None  # the amendment out for signature
    contract_status: str  # its status ('' before there is one)

    @property
    def label(self) -> str:
        return RENEWAL_LABELS[self.status]


async def open_renewals(deliverable_ids: list[int]) -> dict[int, OpenRenewal]:
    """The renewal under way (proposed, countered or out for signature), by deliverable (one query)."""
    if not deliverable_ids:
        return {}
    rows = await get_engine().fetch(
        """
        SELECT r.id, r.deliverable, r.status, r.ends_on, r.fee_minor, r.currency, r.note, r.previous_ends_on,
               r.previous_fee_minor, r.contract, COALESCE(t.status, '') AS contract_status
        FROM rights_renewal r LEFT JOIN contract t ON t.id = r.contract
        WHERE r.deliverable = ANY($1::int[]) AND r.status = ANY($2::varchar[])
        """,
        deliverable_ids,
        list(RENEWAL_OPEN),
    )
    found: dict[int, OpenRenewal] = {}
    for r in rows:
        fee = format_money(int(r["fee_minor"]), r["currency"])
        previous_fee = (
            None if r["previous_fee_minor"] is None else format_money(int(r["previous_fee_minor"]), r["currency"])
        )
        found[int(r["deliverable"])] = OpenRenewal(
            id=int(r["id"]),
            deliverable_id=int(r["deliverable"]),
            status=str(r["status"]),
            ends_on=r["ends_on"],
            fee=fee,
            note=r["note"],
            changes=tuple(renewal_changes(r["previous_ends_on"], r["ends_on"], previous_fee, fee)),
            contract_id=None if r["contract"] is None else int(r["contract"]),
            contract_status=str(r["contract_status"]),
        )
    return found


@dataclass(frozen=True)
class LibraryFilters:
    campaign_id: int | None = None
    creator_id: int | None = None
    platform: str = ""
    channel: str = ""  # with country: "usable now for <channel> in <country>"
    country: str = ""
    expiring_days: int | None = None  # a standing grant ends within N days
    expired: bool = False  # had grants, none standing runs today or later

    @property
    def usable_now(self) -> bool:
        return bool(self.channel in CHANNELS and self.country in COUNTRIES)

    def query_string(self, *, after: int | None = None) -> str:
        """These filters as a URL query (the next page keeps them)."""
        pairs = {
            "campaign": self.campaign_id or "",
            "creator": self.creator_id or "",
            "platform": self.platform,
            "channel": self.channel,
            "country": self.country,
            "expiring": self.expiring_days or "",
            "expired": "true" if self.expired else "",
            "after": after or "",
        }
        return urlencode({key: value for key, value in pairs.items() if value})


def _small_int(text: str, high: int) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 10 and 1 <= int(text) <= high else None


def read_library_filters(query: Mapping[str, str]) -> tuple[LibraryFilters, dict[str, str]]:
    """The library's filters from its GET form, as typed (empty selects are "any"), or what is wrong with them."""
    errors: dict[str, str] = {}
    channel = query.get("channel", "").strip()
    country = query.get("country", "").strip().upper()
    if error := library_filters_error(channel, country):
        errors["usable"] = error
        channel = country = ""
    expiring_text = query.get("expiring", "").strip()
    expiring = _small_int(expiring_text, EXPIRING_MAX)
    if expiring_text and expiring is None:
        errors["expiring"] = f"Give a number of days from 1 to {EXPIRING_MAX}."
    filters = LibraryFilters(
        campaign_id=_small_int(query.get("campaign", ""), 2**31 - 1),
        creator_id=_small_int(query.get("creator", ""), 2**31 - 1),
        platform=query.get("platform", "").strip()[:40],
        channel=channel,
        country=country,
        expiring_days=expiring,
        expired=query.get("expired", "") in ("true", "1", "on"),
    )
    return filters, errors


@dataclass(frozen=True)
class LibraryTile:
    deliverable_id: int
    title: str
    what: str  # "Reel on Instagram"
    status: str
    creator_id: int
    creator_name: str
    campaign_id: int
    campaign_name: str
    platform: str
    live_url: str
    draft_id: int | None
    content_type: str
    media_url: str  # a short-lived signed URL of the approved draft ('' without storage or a draft)
    state: AssetState
    text: str  # what the tile says: "Usable for organic … until 3 Mar 2027"
    entries: tuple[StandingEntry, ...]
    renewal: OpenRenewal | None = None  # proposed to the creator, waiting for the answer

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class LibraryPage:
    tiles: tuple[LibraryTile, ...]
    next_after: int | None  # the cursor of the next page (deliverable id), None on the last page

    def timeline(self, today: dt.date) -> Timeline | None:
        """The page's rights windows side by side (shown for one campaign)."""
        return timeline(
            [(f"{t.title or t.what} · {t.creator_name}", [e.grant for e in t.entries]) for t in self.tiles], today
        )


# Every value is a bound parameter ($n); only constant SQL is put together here.
def _where(brand_id: int, filters: LibraryFilters, today: dt.date, after: int | None) -> tuple[str, list[Any]]:
    # The statuses are constant SQL, so the planner can use the partial index deliverable_library.
    clauses = ["d.brand = $1", f"d.status IN {ASSET_SQL}"]
    args: list[Any] = [brand_id]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if filters.campaign_id:
        clauses.append(f"d.campaign = {arg(filters.campaign_id)}")
    if filters.creator_id:
        clauses.append(f"d.creator = {arg(filters.creator_id)}")
    if filters.platform:
        clauses.append(f"d.platform = {arg(filters.platform)}")
    # The rights filters are scalar subqueries with LIMIT 1, not EXISTS: PostgreSQL then checks the grants of each
    # asset in the newest-first walk of deliverable_library and stops at a page, where an EXISTS became a merge
    # join over the whole ledger (bench/rights_bench.py: 200 ms → a few ms for "usable now" at 2.4M entries).
    if filters.usable_now:
        clauses.append(
            f"COALESCE((SELECT true FROM rights_entry e WHERE e.deliverable = d.id AND {STANDING} "  # noqa: S608
            f"AND {arg(filters.channel)} = ANY(e.channels) "
            f"AND (cardinality(e.territories) = 0 OR {arg(filters.country)} = ANY(e.territories)) "
            f"AND e.starts_on <= {arg(today)} AND e.ends_on >= ${len(args)} LIMIT 1), false)"
        )
        # Asked once, of the per-brand summary a trigger keeps (rights_channel_span): a channel the brand never got,
        # or whose grants have all ended, answers an empty page at once instead of walking every asset.
        clauses.append(
            "EXISTS (SELECT 1 FROM rights_channel_span c WHERE c.brand = $1 "  # noqa: S608 (arg() binds the values)
            f"AND c.channel = {arg(filters.channel)} AND c.last_ends_on >= {arg(today)})"
        )
    if filters.expiring_days is not None:
        clauses.append(
            f"COALESCE((SELECT true FROM rights_entry e WHERE e.deliverable = d.id AND {STANDING} "  # noqa: S608
            f"AND e.ends_on BETWEEN {arg(today)} AND {arg(today + dt.timedelta(days=filters.expiring_days))} "
            "LIMIT 1), false)"
        )
    if filters.expired:
        clauses.append(
            "COALESCE((SELECT true FROM rights_entry e WHERE e.deliverable = d.id LIMIT 1), false) AND NOT "  # noqa: S608
            f"COALESCE((SELECT true FROM rights_entry e WHERE e.deliverable = d.id AND {STANDING} "
            f"AND e.ends_on >= {arg(today)} LIMIT 1), false)"
        )
    if after:
        clauses.append(f"d.id < {arg(after)}")
    return " AND ".join(clauses), args


async def list_library(
    brand_id: int,
    filters: LibraryFilters,
    *,
    today: dt.date,
    after: int | None = None,
    limit: int = PAGE_SIZE,
    storage: Storage | None = None,
) -> LibraryPage:
    """One page of the brand's approved and live assets, newest first, with what their grants allow today
    (three queries, whatever the page size)."""
    where, args = _where(brand_id, filters, today, after)
    rows = await get_engine().fetch(
        f"""
        SELECT d.id, d.title, d.kind, d.platform, d.status, d.live_url, d.creator, d.campaign,
               cr.display_name AS creator_name, k.name AS campaign_name, ad.id AS draft_id, ad.content_type,
               ad.storage_key, ad.filename
        FROM deliverable d
        JOIN creator cr ON cr.id = d.creator
        JOIN campaign k ON k.id = d.campaign
        LEFT JOIN LATERAL (
            SELECT dr.id, dr.content_type, dr.storage_key, dr.filename FROM draft dr
            WHERE dr.deliverable = d.id AND dr.decision IN ('approved', 'approved_with_notes')
            ORDER BY dr.version DESC LIMIT 1
        ) ad ON true
        WHERE {where}
        ORDER BY d.id DESC
        LIMIT {int(limit) + 1}
        """,  # noqa: S608 (constant clauses; values are bound parameters)
        *args,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    entries = await standing_entries([int(r["id"]) for r in rows])
    renewals = await open_renewals([int(r["id"]) for r in rows])
    tiles = []
    for row in rows:
        mine = tuple(entries.get(int(row["id"]), ()))
        grants = [e.grant for e in mine]
        media_url = ""
        if storage is not None and row["draft_id"] is not None:
            media_url = await storage.sign_download(
                str(row["storage_key"]), filename=str(row["filename"]), content_type=str(row["content_type"])
            )
        tiles.append(
            LibraryTile(
                deliverable_id=int(row["id"]),
                title=str(row["title"] or ""),
                what=f"{KIND_LABELS.get(row['kind'], row['kind'])} on {platform_label(row['platform'])}",
                status=str(row["status"]),
                creator_id=int(row["creator"]),
                creator_name=str(row["creator_name"]),
                campaign_id=int(row["campaign"]),
                campaign_name=str(row["campaign_name"]),
                platform=str(row["platform"]),
                live_url=str(row["live_url"] or ""),
                draft_id=int(row["draft_id"]) if row["draft_id"] is not None else None,
                content_type=str(row["content_type"] or ""),
                media_url=media_url,
                state=asset_state(grants, today),
                text=tile_text(grants, today),
                entries=mine,
                renewal=renewals.get(int(row["id"])),
            )
        )
    return LibraryPage(tuple(tiles), int(rows[-1]["id"]) if more and rows else None)


@dataclass(frozen=True)
class LibraryChoices:
    campaigns: tuple[tuple[int, str], ...]
    creators: tuple[tuple[int, str], ...]
    platforms: tuple[str, ...]


async def library_choices(brand_id: int) -> LibraryChoices:
    """What the library's filters offer: the brand's campaigns and creators with assets, and their platforms."""
    rows = await get_engine().fetch(
        """
        SELECT 'campaign' AS what, k.id, k.name AS label FROM campaign k WHERE k.brand = $1
        UNION ALL
        SELECT DISTINCT 'creator', cr.id, cr.display_name FROM deliverable d JOIN creator cr ON cr.id = d.creator
        WHERE d.brand = $1 AND d.status = ANY($2::varchar[])
        UNION ALL
        SELECT DISTINCT 'platform', 0, d.platform FROM deliverable d
        WHERE d.brand = $1 AND d.status = ANY($2::varchar[])
        """,
        brand_id,
        list(ASSET_STATUSES),
    )
    campaigns = tuple(
        sorted(((int(r["id"]), str(r["label"])) for r in rows if r["what"] == "campaign"), key=lambda x: x[1])
    )
    creators = tuple(
        sorted(((int(r["id"]), str(r["label"])) for r in rows if r["what"] == "creator"), key=lambda x: x[1])
    )
    platforms = tuple(sorted(str(r["label"]) for r in rows if r["what"] == "platform"))
    return LibraryChoices(campaigns, creators, platforms)


@dataclass(frozen=True)
class ExpiringGrant:
    entry_id: int
    brand_id: int
    brand_slug: str
    deliverable_id: int
    collaboration_id: int
    creator_id: int
    creator_name: str
    campaign_name: str
    what: str
    ends_on: dt.date
    recipients: tuple[tuple[int, str], ...]  # staff (id, email): relationship owner, offer sender, campaign creator


async def list_grants_ending(ends_on: Sequence[dt.date]) -> list[ExpiringGrant]:
    """Standing grants whose last day is one of these days, with whom to tell on the brand side (one query)."""
    rows = await get_engine().fetch(
        f"""
        SELECT e.id, e.brand, b.slug, e.deliverable, e.collaboration, d.creator, cr.display_name,
               k.name AS campaign_name, d.title, d.kind, d.platform, e.ends_on,
               ARRAY(SELECT s.id || ' ' || s.email FROM staff_user s
                     JOIN membership m ON m.staff = s.id AND m.brand = e.brand
                     WHERE s.is_active AND s.id IN (c.created_by, k.created_by,
                       (SELECT r.owner FROM relationship r WHERE r.brand = e.brand AND r.creator = d.creator))
                     ORDER BY s.id) AS recipients
        FROM rights_entry e
        JOIN deliverable d ON d.id = e.deliverable
        JOIN collaboration c ON c.id = e.collaboration
        JOIN campaign k ON k.id = d.campaign
        JOIN creator cr ON cr.id = d.creator
        JOIN brand b ON b.id = e.brand
        WHERE e.ends_on = ANY($1::date[]) AND {STANDING}
        ORDER BY e.id
        """,  # noqa: S608 (STANDING is a constant)
        list(ends_on),
    )
    found = []
    for row in rows:
        recipients = tuple((int(item.split(" ", 1)[0]), item.split(" ", 1)[1]) for item in row["recipients"] or ())
        found.append(
            ExpiringGrant(
                entry_id=int(row["id"]),
                brand_id=int(row["brand"]),
                brand_slug=str(row["slug"]),
                deliverable_id=int(row["deliverable"]),
                collaboration_id=int(row["collaboration"]),
                creator_id=int(row["creator"]),
                creator_name=str(row["display_name"]),
                campaign_name=str(row["campaign_name"]),
                what=str(
                    row["title"] or f"{KIND_LABELS.get(row['kind'], row['kind'])} on {platform_label(row['platform'])}"
                ),
                ends_on=row["ends_on"],
                recipients=recipients,
            )
        )
    return found


@dataclass(frozen=True)
class CreatorAsset:
    deliverable_id: int
    title: str
    what: str
    brand_name: str
    campaign_name: str
    live_url: str
    state: AssetState
    text: str  # "Acme may use it for organic … until 3 Mar 2027"
    renewal: OpenRenewal | None = None


CREATOR_ASSETS_MAX = 100


async def list_creator_assets(creator_id: int, *, today: dt.date) -> list[CreatorAsset]:
    """A creator's approved and live content at every brand, newest first, with what each brand may do with it
    (three queries; the newest CREATOR_ASSETS_MAX)."""
    rows = await get_engine().fetch(
        """
        SELECT d.id, d.title, d.kind, d.platform, d.live_url, b.name AS brand_name, k.name AS campaign_name
        FROM deliverable d JOIN brand b ON b.id = d.brand JOIN campaign k ON k.id = d.campaign
        WHERE d.creator = $1 AND d.status = ANY($2::varchar[])
        ORDER BY d.id DESC LIMIT $3
        """,
        creator_id,
        list(ASSET_STATUSES),
        CREATOR_ASSETS_MAX,
    )
    entries = await standing_entries([int(r["id"]) for r in rows])
    renewals = await open_renewals([int(r["id"]) for r in rows])
    assets = []
    for row in rows:
        grants = [e.grant for e in entries.get(int(row["id"]), ())]
        assets.append(
            CreatorAsset(
                deliverable_id=int(row["id"]),
                title=str(row["title"] or ""),
                what=f"{KIND_LABELS.get(row['kind'], row['kind'])} on {platform_label(row['platform'])}",
                brand_name=str(row["brand_name"]),
                campaign_name=str(row["campaign_name"]),
                live_url=str(row["live_url"] or ""),
                state=asset_state(grants, today),
                text=creator_text(grants, today, str(row["brand_name"])),
                renewal=renewals.get(int(row["id"])),
            )
        )
    return assets
