"""Jobs for contracts: expire the ones left unsigned, remind creators who have not signed yet."""

from __future__ import annotations

import logging

import procrastinate

from shared.contracts.actions import expire_contracts, remind_signers

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


# `lock` keeps a slow run and the next one from working side by side; both steps are idempotent.
@blueprint.task(
    name="contract_deadlines", queue="default", queueing_lock="contract_deadlines", lock="contract_deadlines"
)
async def contract_deadlines(timestamp: int | None = None) -> None:
    """Expire contracts left unsigned past their date; remind creators after 3 days and before expiry."""
    expired = await expire_contracts()
    reminded = await remind_signers()
    log.info("contract deadlines", extra={"expired": expired, "reminded": reminded})
