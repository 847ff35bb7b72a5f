"""Reading offers and deals for either side. get_* raise NotFound; list_* return many."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.collaborations.rules import Party, Status, Terms, allowed_verbs, describe_terms, diff_terms
from shared.crm.queries import VISIBLE
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.together import as_dates, as_datetimes, fetch_together
from shared.errors import NotFound
from shared.money import format_money


@dataclass(frozen=True)
class Revision:
    number: int
    proposed_by: str
    proposer_label: str
    note: str
    created_at: Any
    terms: Terms
    changes: list[str]  # against the revision before it


@dataclass(frozen=True)
class OfferView:
    """One collaboration as a side sees it: the terms on the table (or agreed), their history, what it may do."""

    row: dict[str, Any]
    terms: Terms
    agreed: bool
    sentences: list[str]
    revisions: list[Revision]
    deliverables: list[dict[str, Any]]
    shipment: dict[str, Any] | None
    verbs: set[str]  # what the viewing side may do now (accept, counter, decline, withdraw, offer)
    brief: dict[str, Any]

    @property
    def status(self) -> Status:
        return Status(self.row["status"])

    @property
    def summary(self) -> OfferSummary:
        """What the offer page leads with: the total fee, what to make, and from when to when."""
        terms = self.terms
        drafts = [d.draft_due for d in terms.deliverables if d.draft_due]
        lives = [d.live_due for d in terms.deliverables if d.live_due]
        kinds = [d.label() for d in terms.deliverables]
        bonus = terms.bonus
        return OfferSummary(
            total=format_money(terms.fee_minor, terms.currency) if terms.fee_minor else "Product only",
            bonus=format_money(bonus.amount_minor, terms.currency) if bonus else "",
            what=", ".join(kinds) if kinds else "No deliverables",
            first_draft_due=min(drafts) if drafts else None,
            last_live_due=max(lives) if lives else None,
            product=terms.product,
        )

    @property
    def latest_changes(self) -> Revision | None:
        """The newest proposal when it changed something (a counter): the top of the page shows it."""
        latest = self.revisions[0] if self.revisions else None
        return latest if latest is not None and (latest.changes or latest.number > 1) else None


@dataclass(frozen=True)
class OfferSummary:
    total: str  # the whole fee, currency named ("US$1,200.00"), or "Product only"
    bonus: str  # "" without a bonus
    what: str  # "Reel on Instagram, Story on Instagram"
    first_draft_due: dt.date | None
    last_live_due: dt.date | None
    product: str


_OFFER = """
SELECT c.*, k.name AS campaign_name, k.objective AS campaign_objective, b.name AS brand_name, b.slug AS brand_slug,
       cr.display_name AS creator_name, cr.email AS creator_email,
       v.number AS brief_number, v.content AS brief_content
FROM collaboration c
JOIN campaign k ON k.id = c.campaign
JOIN brand b ON b.id = c.brand
JOIN creator cr ON cr.id = c.creator
LEFT JOIN brief_version v ON v.id = c.brief_version
WHERE c.id = $1
"""


async def _offer(collaboration_id: int, viewer: Party, *, address_key: Encryptor | None) -> OfferView:
    engine = get_engine()
    rows = await engine.fetch(_OFFER, collaboration_id)
    if not rows:
        raise NotFound("No such offer.")
    row = rows[0]
    # The three lists in one statement (shared/db/together.py): rows come back JSON-typed, dates as ISO text.
    revision_rows, deliverables, shipments = await fetch_together(
        [
            (
                "SELECT number, proposed_by, proposer_label, note, created_at, terms FROM offer_revision "
                "WHERE collaboration = $1 ORDER BY number",
                [collaboration_id],
            ),
            (
                "SELECT id, position, kind, platform, title, draft_due, live_due, due_on, status, live_url "
                "FROM deliverable WHERE collaboration = $1 ORDER BY position",
                [collaboration_id],
            ),
            (
                "SELECT s.*, COALESCE(st.name, '') AS shipped_by_name FROM shipment s "
                "LEFT JOIN staff_user st ON st.id = s.shipped_by WHERE s.collaboration = $1",
                [collaboration_id],
            ),
        ]
    )
    as_datetimes(revision_rows, "created_at")
    as_dates(deliverables, "draft_due", "live_due", "due_on")
    as_datetimes(shipments, "address_given_at", "shipped_at", "received_at")
    revisions: list[Revision] = []
    for revision in revision_rows:
        terms = Terms.from_json(jsonb(revision["terms"]))
        changes = diff_terms(revisions[-1].terms, terms) if revisions else []
        revisions.append(
            Revision(
                int(revision["number"]),
                revision["proposed_by"],
                revision["proposer_label"],
                revision["note"],
                revision["created_at"],
                terms,
                changes,
            )
        )
    agreed = row["agreed_terms"] is not None
    terms = Terms.from_json(jsonb(row["agreed_terms"] if agreed else row["terms"]))
    shipment = dict(shipments[0]) if shipments else None
    if shipment is not None:
        encrypted = shipment.pop("address_enc")
        # Decrypted only for viewers entitled to it (the creator, and the staff roles who ship).
        shipment["address"] = address_key.decrypt(encrypted) if address_key and encrypted else None
    return OfferView(
        row=row,
        terms=terms,
        agreed=agreed,
        sentences=describe_terms(terms, to=viewer),
        revisions=list(reversed(revisions)),
        deliverables=deliverables,
        shipment=shipment,
        verbs=allowed_verbs(row["status"], viewer),
        brief=jsonb(row["brief_content"]),
    )


async def get_offer_for_brand(
    brand_id: int, collaboration_id: int, *, address_key: Encryptor | None = None
) -> OfferView:
    """A collaboration of this brand (NotFound for another brand's); the shipping address only with a key."""
    view = await _offer(collaboration_id, "brand", address_key=address_key)
    if view.row["brand"] != brand_id:
        raise NotFound("No such offer.")
    return view


async def get_offer_for_creator(creator_id: int, collaboration_id: int, *, address_key: Encryptor) -> OfferView:
    """A collaboration of this creator (NotFound for anyone else's)."""
    view = await _offer(collaboration_id, "creator", address_key=address_key)
    if view.row["creator"] != creator_id:
        raise NotFound("No such offer.")
    return view


async def list_campaign_offers(brand_id: int, campaign_id: int) -> list[dict[str, Any]]:
    """Everyone invited to a campaign with the offer's state and fee, waiting-on-us first; one query."""
    return await get_engine().fetch(
        """
        SELECT c.id, c.status, c.terms_by, c.fee_minor, c.currency, c.updated_at, c.creator,
               cr.display_name AS creator_name,
               (SELECT count(*) FROM deliverable d WHERE d.collaboration = c.id) AS deliverables
        FROM collaboration c JOIN creator cr ON cr.id = c.creator
        WHERE c.brand = $1 AND c.campaign = $2
        ORDER BY (c.status = 'countered') DESC, c.updated_at DESC, c.id DESC
        """,
        brand_id,
        campaign_id,
    )


async def list_creator_offers(creator_id: int) -> list[dict[str, Any]]:
    """All of a creator's offers and deals, the ones waiting for them first; one query."""
    return await get_engine().fetch(
        """
        SELECT c.id, c.status, c.terms_by, c.fee_minor, c.currency, c.updated_at,
               k.name AS campaign_name, b.name AS brand_name
        FROM collaboration c JOIN campaign k ON k.id = c.campaign JOIN brand b ON b.id = c.brand
        WHERE c.creator = $1
        ORDER BY (c.status = 'invited') DESC, c.updated_at DESC, c.id DESC
        """,
        creator_id,
    )


async def list_offer_candidates(brand_id: int, creator_ids: list[int]) -> list[dict[str, Any]]:
    """The chosen creators the brand may make offers to (the roster's visibility rule), by name; one query."""
    return await get_engine().fetch(
        f"""
        SELECT c.id, c.display_name, c.email, c.tier, c.followers_total, c.platforms, c.rate_minor, c.rate_currency
        FROM creator c LEFT JOIN relationship r ON r.creator = c.id AND r.brand = $1
        WHERE c.id = ANY($2::int[]) AND {VISIBLE}
        ORDER BY lower(c.display_name), c.id
        """,  # noqa: S608 - VISIBLE is a constant; the values are parameters
        brand_id,
        creator_ids,
    )
