"""Cancelling an accepted deal: the contract still waiting for signatures is voided, payables not yet released
are cancelled with their accruals reversed, released money stays, the creator is told, one audit row says it all."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from shared.audit.context import system_actor
from shared.collaborations.actions.cancelling import do_cancel_deal
from shared.collaborations.actions.sides import BrandSide
from shared.db.engine import get_engine
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.ledger.queries import count_unbalanced_journals, list_balances
from shared.payments.actions import do_record_manual_payout, record_milestone
from tests.conftest import Cast, csrf_token_from
from tests.contract_helpers import sent, tools_in
from tests.factories import agreed_deal
from tests.payment_helpers import approved, payable_row, signing_payable, staff
from tests.personas import act_as_creator, act_as_staff

ACTOR = system_actor("test")


async def side(staff_id: int, brand_id: int) -> BrandSide:
    return BrandSide(await staff(staff_id), brand_id)


async def collaboration_of(payable_id: int) -> int:
    return int((await payable_row(payable_id))["collaboration"])  # type: ignore[call-overload]


async def test_it_cancels_what_was_not_released_and_leaves_what_was(cast: Cast) -> None:
    signing = await signing_payable(cast)  # $600 of a $1,200 deal
    collaboration_id = await collaboration_of(signing)
    await approved(cast, signing)
    await do_record_manual_payout(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, payable_id=signing,
                                  method="bank_transfer", reference="SEPA #41")  # fmt: skip
    approval = await record_milestone(ACTOR, collaboration_id, "go_live")
    assert approval is not None

    done = await do_cancel_deal(ACTOR, await side(cast.bob_id, cast.acme_id), collaboration_id=collaboration_id,
                                reason="The product launch moved to next year")  # fmt: skip

    assert done.cancelled_payables == [approval] and done.voided_contracts == []
    assert (await payable_row(signing))["status"] == "paid_out"
    assert (await payable_row(approval))["status"] == "cancelled"
    [deal] = await get_engine().fetch(
        "SELECT status, decline_reason FROM collaboration WHERE id = $1", collaboration_id
    )
    assert dict(deal) == {"status": "cancelled", "decline_reason": "The product launch moved to next year"}
    # What Alice is owed is back to nothing; the expense is what was actually paid.
    balances = {b.code: b.balance_minor for b in await list_balances(cast.acme_id)}
    assert balances[f"payable:{cast.alice_id}"] == 0 and balances["expense"] == 60_000
    assert await count_unbalanced_journals() == 0
    [audit] = await get_engine().fetch(
        "SELECT after FROM audit_log WHERE action = 'deal.cancelled' AND subject_id = $1", str(collaboration_id)
    )
    assert str(approval) in str(audit["after"])
    told = await get_engine().fetch(
        "SELECT title, body FROM notification WHERE recipient_kind = 'creator' AND kind = 'deal.cancelled'"
    )
    assert [(r["title"], r["body"]) for r in told] == [
        ("Acme cancelled the deal: Spring trail", "The product launch moved to next year")
    ]


async def test_a_contract_waiting_for_signatures_is_voided(cast: Cast, tmp_path: Path) -> None:
    made = await sent(cast, tools_in(tmp_path))
    done = await do_cancel_deal(ACTOR, await side(cast.olivia_id, cast.acme_id),
                                collaboration_id=made.collaboration_id, reason="Budget cut")  # fmt: skip
    assert done.voided_contracts == [made.contract_id] and done.cancelled_payables == []
    [contract] = await get_engine().fetch("SELECT status FROM contract WHERE id = $1", made.contract_id)
    assert contract["status"] == "voided"


@pytest.mark.parametrize("who", ["fran", "vic"])
async def test_only_owners_and_managers_cancel(cast: Cast, who: str) -> None:
    deal = await agreed_deal(cast)
    with pytest.raises(PermissionDenied):
        await do_cancel_deal(ACTOR, await side(getattr(cast, f"{who}_id"), cast.acme_id),
                             collaboration_id=deal.collaboration_id, reason="No")  # fmt: skip


async def test_it_needs_a_reason_happens_once_and_only_at_its_brand(cast: Cast) -> None:
    deal = await agreed_deal(cast)
    bob = await side(cast.bob_id, cast.acme_id)
    with pytest.raises(InvalidInput, match="Say why"):
        await do_cancel_deal(ACTOR, bob, collaboration_id=deal.collaboration_id, reason="   ")
    with pytest.raises(NotFound):
        await do_cancel_deal(ACTOR, await side(cast.charlie_id, cast.globex_id),
                             collaboration_id=deal.collaboration_id, reason="Not ours")  # fmt: skip
    await do_cancel_deal(ACTOR, bob, collaboration_id=deal.collaboration_id, reason="Creator moved on")
    with pytest.raises(IllegalTransition):
        await do_cancel_deal(ACTOR, bob, collaboration_id=deal.collaboration_id, reason="Again")
    actions = await get_engine().fetch("SELECT action FROM audit_log WHERE action = 'deal.cancelled'")
    assert len(actions) == 1


async def test_the_confirm_step_shows_the_money_then_cancels(cast: Cast, client: httpx.AsyncClient) -> None:
    signing = await signing_payable(cast)
    collaboration_id = await collaboration_of(signing)
    url = f"/backoffice/b/acme/offers/{collaboration_id}"
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"{url}/cancel")
    assert page.status_code == 200
    assert "Not yet released, and cancelled: <strong>1 payable, US$600.00</strong>" in page.text
    token = csrf_token_from(page.text)
    refused = await client.post(f"{url}/cancel", data={"_csrf_token": token, "reason": ""})
    assert refused.status_code == 400 and "Say why the deal is cancelled" in refused.text
    assert (await payable_row(signing))["status"] == "pending_approval"
    offer = await client.post(f"{url}/cancel", data={"_csrf_token": token, "reason": "Launch moved"})
    assert offer.status_code == 200 and str(offer.url).endswith(url)  # back on the offer, with the outcome
    assert "1 payable not yet released was cancelled." in offer.text
    assert "The deal was cancelled: “Launch moved”" in offer.text
    assert "Cancel the deal…" not in offer.text
    assert (await client.get(f"{url}/cancel")).status_code == 404  # nothing left to cancel
    await act_as_creator(client, cast.alice_id)
    mine = await client.get(f"/offers/{collaboration_id}")
    assert "Acme cancelled this deal: “Launch moved”" in mine.text
