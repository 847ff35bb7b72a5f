"""Calling a contract off before it is executed: the creator declines, the brand voids."""

from __future__ import annotations

from shared.audit.context import Actor
from shared.contracts.actions.common import (
    BrandSide,
    _locked_for_brand,
    _locked_for_creator,
    _move,
    _renewal_of,
    _tell_brand,
    _tell_creator,
)
from shared.contracts.evidence import append_event
from shared.contracts.rules import Status, clean_reason, next_status
from shared.db.transactions import atomic
from shared.rights.amendments import renewal_amendment_failed


async def do_decline_contract(
    actor: Actor, creator_id: int, *, contract_id: int, reason: str, user_agent: str = ""
) -> None:
    async with atomic():
        row = await _locked_for_creator(contract_id, creator_id)
        new = next_status(row["status"], "decline")
        why = clean_reason(reason)
        await append_event(contract_id, "declined", actor, user_agent=user_agent, data={"reason": why})
        await _move(actor, row, new, "contract.declined", reason=why)
        if (renewal := _renewal_of(row)) is not None:
            await renewal_amendment_failed(actor, contract_id, renewal.renewal_id, declined=True, reason=why)
        await _tell_brand(row, "contract.declined", f"{row['creator_name']} declined the contract", why)


async def do_void_contract(
    actor: Actor, side: BrandSide, *, contract_id: int, reason: str, user_agent: str = ""
) -> None:
    async with atomic():
        row = await _locked_for_brand(contract_id, side)
        new = next_status(row["status"], "void")
        why = clean_reason(reason)
        await append_event(contract_id, "voided", actor, user_agent=user_agent, data={"reason": why})
        await _move(actor, row, new, "contract.voided", reason=why)
        if (renewal := _renewal_of(row)) is not None:
            await renewal_amendment_failed(actor, contract_id, renewal.renewal_id, declined=False, reason=why)
        if row["status"] != Status.DRAFT:
            await _tell_creator(row, "contract.voided", f"{row['brand_name']} voided the contract", why)
