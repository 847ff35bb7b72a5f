"""The collaboration state machine through the real actions."""

from __future__ import annotations

import pytest

from shared.collaborations.actions import (
    BrandSide,
    CreatorSide,
    check_counter_offer,
    do_accept_offer,
    do_withdraw_offer,
)
from shared.db.rows import jsonb
from shared.db.tables import AuditLog, Collaboration, Deliverable, OfferRevision, Relationship
from shared.errors import IllegalTransition
from shared.identity.queries import get_staff_context
from tests.conftest import Cast
from tests.factories import ACTOR, agreed_deal, offer_to


async def test_it_freezes_terms_and_creates_deliverables_on_acceptance(cast: Cast) -> None:
    deal = await agreed_deal(cast, deliverables=2)
    collaboration = await Collaboration.objects().where(Collaboration.id == deal.collaboration_id).first()
    assert collaboration is not None and collaboration.status == "accepted"
    assert jsonb(collaboration.agreed_terms) == jsonb(collaboration.terms)
    assert await Deliverable.count().where(Deliverable.collaboration == deal.collaboration_id) == 2
    relationship = await Relationship.objects().where(Relationship.creator == cast.alice_id).first()
    assert relationship is not None and relationship.stage == "active"
    assert await AuditLog.exists().where(AuditLog.action == "offer.accepted")


async def test_it_refuses_to_accept_a_withdrawn_offer(cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    bob = await get_staff_context(cast.bob_id)
    await do_withdraw_offer(ACTOR, BrandSide(bob, cast.acme_id), collaboration_id=deal.collaboration_id, reason="")
    with pytest.raises(IllegalTransition, match="withdrew"):
        await do_accept_offer(ACTOR, CreatorSide(cast.alice_id), collaboration_id=deal.collaboration_id)
    assert not await Deliverable.exists()


async def test_it_refuses_to_counter_an_accepted_offer(cast: Cast) -> None:
    deal = await agreed_deal(cast)
    with pytest.raises(IllegalTransition, match="already accepted"):
        await check_counter_offer(
            ACTOR, CreatorSide(cast.alice_id), collaboration_id=deal.collaboration_id, form={"fee": "5000"}
        )


async def test_it_keeps_every_counter_offer_in_order(cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    await check_counter_offer(
        ACTOR, CreatorSide(cast.alice_id), collaboration_id=deal.collaboration_id, form={"fee": "1500"}
    )
    bob = await get_staff_context(cast.bob_id)
    await check_counter_offer(
        ACTOR, BrandSide(bob, cast.acme_id), collaboration_id=deal.collaboration_id, form={"fee": "1350"}
    )
    await do_accept_offer(ACTOR, CreatorSide(cast.alice_id), collaboration_id=deal.collaboration_id)
    revisions = await OfferRevision.select(OfferRevision.number, OfferRevision.proposed_by).order_by(
        OfferRevision.number
    )
    assert [(r["number"], r["proposed_by"]) for r in revisions] == [(1, "brand"), (2, "creator"), (3, "brand")]
    collaboration = await Collaboration.objects().where(Collaboration.id == deal.collaboration_id).first()
    assert collaboration is not None and collaboration.agreed_terms is not None
    agreed = jsonb(collaboration.agreed_terms)
    assert agreed["fee_minor"] == 135000
    assert [p["amount_minor"] for p in agreed["payments"]] == [67500, 67500]


async def test_it_lets_only_one_of_two_simultaneous_answers_win(cast: Cast) -> None:
    """Alice accepts while Bob withdraws, at the same moment: the row lock lets exactly one through."""
    import asyncio

    deal = await offer_to(cast, cast.alice_id)
    bob = await get_staff_context(cast.bob_id)
    results = await asyncio.gather(
        do_accept_offer(ACTOR, CreatorSide(cast.alice_id), collaboration_id=deal.collaboration_id),
        do_withdraw_offer(ACTOR, BrandSide(bob, cast.acme_id), collaboration_id=deal.collaboration_id, reason=""),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, IllegalTransition)]
    assert len(refused) == 1 and results.count(None) == 1
    collaboration = await Collaboration.objects().first()
    assert collaboration is not None
    deliverables = await Deliverable.count()
    assert (collaboration.status, deliverables) in {("accepted", 1), ("withdrawn", 0)}
    assert await AuditLog.count().where(AuditLog.action.is_in(["offer.accepted", "offer.withdrawn"])) == 1
