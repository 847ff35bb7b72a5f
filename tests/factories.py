"""Building campaigns, offers and deals through the real actions (never raw inserts), for any test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.audit.context import system_actor
from shared.campaigns.actions import do_create_campaign, do_publish_brief, do_save_brief
from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.identity.queries import get_staff_context
from tests.conftest import Cast

ACTOR = system_actor("test")


def in_days(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)).isoformat()


BRIEF = {
    "objectives": "Launch the Trail 2 backpack to hikers.",
    "audience": "Hikers 20-40 in the US.",
    "key_messages": "Light\nWaterproof",
    "dos": "Show it on a real hike",
    "donts": "No competitor brands in frame",
    "hashtags": "#ad #acmetrail",
    "mentions": "@acme",
    "disclosure": "Start with #ad.",
    "timeline": "Drafts in two weeks.",
    "assets": "https://acme.test/press-kit",
    "t0_kind": "reel",
    "t0_platform": "instagram",
    "t0_description": "A 30-second trail reel",
}


def offer_form(fee: str = "1200", *, product: str = "", deliverables: int = 1) -> dict[str, str]:
    form = {
        "fee": fee,
        "pay_signing": "50",
        "pay_approval": "0",
        "pay_go_live": "50",
        "product": product,
        "usage_rights": "Organic reposts for 90 days",
        "exclusivity": "",
        "revision_rounds": "2",
        "review_days": "3",
        "note": "",
    }
    kinds = [
        ("reel", "instagram"),
        ("story", "instagram"),
        ("video", "youtube"),
        ("post", "tiktok"),
        ("short", "youtube"),
    ]
    for index in range(deliverables):
        kind, platform = kinds[index % len(kinds)]
        form.update(
            {
                f"d{index}_kind": kind,
                f"d{index}_platform": platform,
                f"d{index}_title": f"{kind.title()} {index + 1}",
                f"d{index}_draft_due": in_days(7 + index),
                f"d{index}_live_due": in_days(14 + index),
            }
        )
    return form


async def published_campaign(
    cast: Cast, *, brand_id: int | None = None, staff_id: int | None = None, name: str = "Spring trail"
) -> int:
    """A campaign of Acme (or the given brand) with a published brief, made by Bob (or the given staff)."""
    staff = await get_staff_context(staff_id or cast.bob_id)
    brand = brand_id or cast.acme_id
    campaign_id = await do_create_campaign(
        ACTOR, staff, brand_id=brand, form={"name": name, "objective": "Launch", "budget": "10000", "currency": "USD"}
    )
    await do_save_brief(ACTOR, staff, brand_id=brand, campaign_id=campaign_id, form=BRIEF)
    await do_publish_brief(ACTOR, staff, brand_id=brand, campaign_id=campaign_id)
    return campaign_id


@dataclass(frozen=True)
class Deal:
    campaign_id: int
    collaboration_id: int


async def offer_to(cast: Cast, creator_id: int, *, campaign_id: int | None = None, **form_options: object) -> Deal:
    """Bob offers the creator a deal in a (new) Acme campaign; the offer waits for the creator."""
    campaign = campaign_id or await published_campaign(cast)
    staff = await get_staff_context(cast.bob_id)
    [collaboration_id] = await check_send_offers(
        ACTOR,
        staff,
        brand_id=cast.acme_id,
        campaign_id=campaign,
        creator_ids=[creator_id],
        form=offer_form(**form_options),  # type: ignore[arg-type]
    )
    return Deal(campaign, collaboration_id)


async def agreed_deal(cast: Cast, creator_id: int | None = None, **form_options: object) -> Deal:
    """An offer from Bob (Acme) that the creator (Alice by default) accepted: deliverables exist."""
    creator = creator_id or cast.alice_id
    deal = await offer_to(cast, creator, **form_options)
    await do_accept_offer(ACTOR, CreatorSide(creator), collaboration_id=deal.collaboration_id)
    return deal
