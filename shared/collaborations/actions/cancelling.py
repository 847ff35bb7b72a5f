"""Cancelling a deal the creator already accepted: the one action that unwinds what the deal set going.

In one transaction: the collaboration becomes cancelled; a contract still waiting for signatures is voided;
payables not yet released (pending approval or approved) are cancelled and their accruals reversed in the
ledger. Money already released is not touched: it left (or is leaving) at Stripe, and taking it back is a
reversal finance decides on, not a side effect of a button. The creator is told, with the reason.

Not re-exported from the package: it reaches into contracts and payments, which import this area's rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions.sides import BrandSide, _clean_note, _locked, _tell_the_other_side, staff_offer_link
from shared.collaborations.rules import next_status
from shared.contracts import actions as contracts
from shared.contracts.rules import Status as ContractStatus
from shared.crm.timeline import record_interaction
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput
from shared.payments.actions.milestones import do_cancel_open_payables

# Contracts in these states still wait for a signature; once executed, a contract is history.
_OPEN_CONTRACTS = [ContractStatus.DRAFT.value, ContractStatus.SENT.value, ContractStatus.SIGNED.value]


@dataclass(frozen=True)
class CancelledDeal:
    voided_contracts: list[int]
    cancelled_payables: list[int]


async def do_cancel_deal(
    actor: Actor, side: BrandSide, *, collaboration_id: int, reason: str, user_agent: str = ""
) -> CancelledDeal:
    """An owner or manager calls off an accepted deal, saying why (the creator reads the reason)."""
    async with atomic():
        row = await _locked(collaboration_id, side)
        new_status = next_status(row["status"], "brand", "cancel")
        why = _clean_note(reason, field="reason")
        if not why:
            raise InvalidInput({"reason": "Say why the deal is cancelled: the creator reads it."})
        await get_engine().fetch(
            "UPDATE collaboration SET status = $2, decline_reason = $3, updated_at = now() WHERE id = $1",
            collaboration_id,
            new_status.value,
            why,
        )
        open_contracts = await get_engine().fetch(
            "SELECT id FROM contract WHERE collaboration = $1 AND status = ANY($2::varchar[]) ORDER BY id",
            collaboration_id,
            _OPEN_CONTRACTS,
        )
        voided = [int(contract["id"]) for contract in open_contracts]
        for contract_id in voided:
            await contracts.do_void_contract(
                actor,
                contracts.BrandSide(side.staff, side.brand_id),
                contract_id=contract_id,
                reason=f"The deal was cancelled: {why}",
                user_agent=user_agent,
            )
        cancelled = await do_cancel_open_payables(actor, collaboration_id, reason=f"The deal was cancelled: {why}")
        await record_interaction(
            int(row["brand"]),
            int(row["creator"]),
            kind="deal.cancelled",
            summary=f"{side.staff.name} cancelled the deal for “{row['campaign_name']}”: {why}",
            link=staff_offer_link(row["brand_slug"], collaboration_id),
            actor_label=side.staff.name,
        )
        await _tell_the_other_side(
            row,
            side,
            kind="deal.cancelled",
            title=f"{row['brand_name']} cancelled the deal: {row['campaign_name']}",
            body=why,
            event=f"deal.cancelled:{collaboration_id}",
        )
        await write_audit_row(
            actor,
            "deal.cancelled",
            "collaboration",
            collaboration_id,
            brand_id=int(row["brand"]),
            before={"status": row["status"]},
            after={
                "status": new_status.value,
                "reason": why,
                "voided_contracts": voided,
                "cancelled_payables": cancelled,
            },
        )
    return CancelledDeal(voided_contracts=voided, cancelled_payables=cancelled)
