"""What the transfer job does: one outside call, made outside any transaction, between two recorded steps.

    begin_attempt (commit: 'sending')  →  Stripe transfer (idempotency key from the payable)  →  record result

A crash anywhere leaves the intent 'queued' or 'sending'; the job runs again (procrastinate's retry, or the
sweep) with the same key, and Stripe answers with the transfer it already made. Before a retry, and before
ever moving to a new key, the transfer is looked up by its group and our payable id: a transfer Stripe made
is always found and recorded, never made again.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from shared.audit.context import system_actor
from shared.integrations.stripe_connect import StripeConnect, TransferRefused, TransferUnanswered
from shared.payments.actions.transfers import (
    begin_attempt,
    record_attempt_error,
    record_transfer_failed,
    record_transfer_sent,
    record_waiting_for_funds,
)

log = logging.getLogger(__name__)
ACTOR = system_actor("payments")
METADATA_KEY = "rapport_payable"


class Sent(StrEnum):
    NOTHING = "nothing to do"
    SENT = "sent"
    FOUND = "found at Stripe"
    WAITING = "waiting for funds"
    FAILED = "failed"


class RetryLater(RuntimeError):
    """An unclear answer from Stripe: the job fails so procrastinate runs it again."""


async def send_transfer(connect: StripeConnect, payable_id: int) -> Sent:
    attempt = await begin_attempt(payable_id)
    if attempt is None:
        return Sent.NOTHING
    if attempt.destination is None:
        await record_transfer_failed(ACTOR, payable_id, "the creator has not set up payouts with Stripe yet")
        return Sent.FAILED
    if not attempt.first_try:
        # A previous attempt may have died after Stripe made the transfer (or its key may have expired at
        # Stripe after 24 hours): look before calling again.
        found = await connect.find_transfer(transfer_group=attempt.transfer_group, metadata_key=METADATA_KEY,
                                            metadata_value=attempt.ref)  # fmt: skip
        if found is not None:
            await record_transfer_sent(ACTOR, payable_id, found)
            return Sent.FOUND
    try:
        transfer = await connect.create_transfer(
            amount_minor=attempt.amount_minor,
            currency=attempt.currency,
            destination=attempt.destination,
            transfer_group=attempt.transfer_group,
            metadata={METADATA_KEY: attempt.ref},
            idempotency_key=attempt.idempotency_key,
        )
    except TransferRefused as exc:
        if exc.code == "balance_insufficient":
            await record_waiting_for_funds(ACTOR, payable_id, "The platform's Stripe balance is too low: add funds.")
            return Sent.WAITING
        await record_transfer_failed(ACTOR, payable_id, str(exc))
        return Sent.FAILED
    except TransferUnanswered as exc:
        new_key = False
        if exc.answered:
            # Stripe answered an error and keeps that answer under this key: if it made no transfer, the next
            # attempt needs a new key; if it did, record it.
            found = await connect.find_transfer(transfer_group=attempt.transfer_group, metadata_key=METADATA_KEY,
                                                metadata_value=attempt.ref)  # fmt: skip
            if found is not None:
                await record_transfer_sent(ACTOR, payable_id, found)
                return Sent.FOUND
            new_key = True
        await record_attempt_error(payable_id, str(exc), new_generation=new_key)
        log.warning("transfer unclear, retrying", extra={"payable": payable_id, "error": str(exc)})
        raise RetryLater(str(exc)) from exc
    await record_transfer_sent(ACTOR, payable_id, transfer)
    return Sent.SENT
