"""Deals with structured usage rights and their approved content, made through the real actions (offer, accept,
upload, submit, approve), for the rights tests and the authorization matrix."""

from __future__ import annotations

import httpx

from shared.audit.context import system_actor
from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.content.review import check_decide
from shared.identity.queries import get_staff_context
from shared.integrations.storage import Storage
from shared.rights.queries import standing_entries
from tests.conftest import Cast
from tests.factories import offer_form, published_campaign
from tests.review_helpers import deliverables_of, submitted_draft

ACTOR = system_actor("test")


def rights_fields(
    channels: tuple[str, ...] = ("organic", "paid_meta"),
    countries: str = "US, CA",
    duration: str = "6",
    unit: str = "months",
    ends_on: str = "",
    category: str = "",
    days: str = "",
) -> dict[str, str]:
    form = {f"right_{channel}": "on" for channel in channels}
    form.update(
        {
            "rights_where": "countries" if countries else "worldwide",
            "rights_countries": countries,
            "rights_duration": duration,
            "rights_unit": unit,
            "rights_ends_on": ends_on,
            "exclusivity_category": category,
            "exclusivity_days": days,
        }
    )
    return form


async def deal_with_rights(cast: Cast, creator_id: int | None = None, **rights: str) -> int:
    """Bob offers Alice (or the creator) a reel with usage rights; she accepts. The collaboration id."""
    creator = creator_id or cast.alice_id
    campaign = await published_campaign(cast)
    staff = await get_staff_context(cast.bob_id)
    [collaboration_id] = await check_send_offers(
        ACTOR,
        staff,
        brand_id=cast.acme_id,
        campaign_id=campaign,
        creator_ids=[creator],
        form={**offer_form(), **rights_fields(**rights)},  # type: ignore[arg-type]
    )
    await do_accept_offer(ACTOR, CreatorSide(creator), collaboration_id=collaboration_id)
    return collaboration_id


async def approved_asset(
    cast: Cast, storage: Storage, http: httpx.AsyncClient | None = None, creator_id: int | None = None, **rights: str
) -> tuple[int, int]:
    """A reel under a deal with usage rights, its draft approved by Bob: (deliverable id, standing grant id)."""
    creator = creator_id or cast.alice_id
    collaboration_id = await deal_with_rights(cast, creator, **rights)
    [deliverable_id] = await deliverables_of(collaboration_id)
    draft_id = await submitted_draft(http, storage, creator, deliverable_id)
    await check_decide(
        ACTOR, await get_staff_context(cast.bob_id), cast.acme_id, draft_id, decision="approved", note=""
    )
    entries = await standing_entries([deliverable_id])
    return deliverable_id, entries[deliverable_id][0].id
