"""Data for the board tests: creators, deals at Acme and Globex, and deliverables moved along (not a test module)."""

from __future__ import annotations

import datetime as dt

from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.db.engine import get_engine
from shared.db.tables import Deliverable
from shared.identity.actions import SocialAccount, do_create_creator
from shared.identity.queries import get_staff_context
from tests.conftest import Cast
from tests.factories import ACTOR, Deal, offer_form, published_campaign

TODAY = dt.datetime.now(dt.UTC).date()


async def new_creator(name: str, handle: str, *, provider: str = "tiktok") -> int:
    """A signed-up, onboarded creator open to offers (any brand may invite them)."""
    creator = await do_create_creator(
        ACTOR,
        display_name=name,
        email=f"{handle}@creators.test",
        country="US",
        niches=["outdoors"],
        accounts=[SocialAccount(provider, f"{provider}-{handle}", handle, 12_000)],
    )
    return int(creator.id)


async def deal_in(cast: Cast, campaign_id: int, creator_id: int, *, fee: str = "1200", deliverables: int = 1) -> Deal:
    """Bob offers the creator a deal in an existing Acme campaign and the creator accepts it."""
    bob = await get_staff_context(cast.bob_id)
    [collaboration_id] = await check_send_offers(
        ACTOR,
        bob,
        brand_id=cast.acme_id,
        campaign_id=campaign_id,
        creator_ids=[creator_id],
        form=offer_form(fee, deliverables=deliverables),
    )
    await do_accept_offer(ACTOR, CreatorSide(creator_id), collaboration_id=collaboration_id)
    return Deal(campaign_id, collaboration_id)


async def globex_deal(cast: Cast, creator_id: int, *, deliverables: int = 1) -> Deal:
    """Charlie (Globex) makes a deal with the creator: Acme must never see it."""
    campaign_id = await published_campaign(cast, brand_id=cast.globex_id, staff_id=cast.charlie_id, name="Globex go")
    charlie = await get_staff_context(cast.charlie_id)
    [collaboration_id] = await check_send_offers(
        ACTOR,
        charlie,
        brand_id=cast.globex_id,
        campaign_id=campaign_id,
        creator_ids=[creator_id],
        form=offer_form("900", deliverables=deliverables),
    )
    await do_accept_offer(ACTOR, CreatorSide(creator_id), collaboration_id=collaboration_id)
    return Deal(campaign_id, collaboration_id)


async def deliverable_ids(collaboration_id: int) -> list[int]:
    rows = (
        await Deliverable.select(Deliverable.id)
        .where(Deliverable.collaboration == collaboration_id)
        .order_by(Deliverable.position)
    )
    return [int(row["id"]) for row in rows]


async def set_deliverable(
    deliverable_id: int, *, status: str | None = None, due_in_days: int | str | None = "keep"
) -> None:
    """Move a deliverable to a status or due date directly.

    The content-review actions (draft submitted, changes requested, approved, live) come in issue #5;
    until then the board's tests put deliverables in those states with this one UPDATE.
    `due_in_days=None` clears the date (as going live does).
    """
    sets, args = [], [deliverable_id]
    if status is not None:
        args.append(status)
        sets.append(f"status = ${len(args)}")
    if due_in_days != "keep":
        args.append(None if due_in_days is None else TODAY + dt.timedelta(days=int(due_in_days)))
        sets.append(f"due_on = ${len(args)}")
    await get_engine().fetch(f"UPDATE deliverable SET {', '.join(sets)} WHERE id = $1", *args)
