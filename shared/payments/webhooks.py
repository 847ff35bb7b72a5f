"""Stripe's news about money, from webhooks: re-read from Stripe (events may come twice or in any order),
then moved through the same idempotent bookkeeping as the transfer job."""

from __future__ import annotations

from typing import Any

from shared.audit.context import system_actor
from shared.integrations.stripe_connect import StripeConnect
from shared.payments.actions.transfers import (
    has_unrecorded_transfers,
    record_payout_news,
    record_transfer_news,
    requeue_waiting_transfers,
)

ACTOR = system_actor("stripe webhook")


class PayoutAheadOfTransfer(RuntimeError):
    """Retried by the event's job (procrastinate's retry strategy): Stripe's news came before our own record."""


HANDLED = ("transfer.", "payout.paid", "payout.failed", "balance.available")


def handles(event_type: str) -> bool:
    return event_type.startswith(HANDLED)


async def apply_stripe_event(connect: StripeConnect, event_type: str, obj: dict[str, Any], account: str | None) -> None:
    if event_type.startswith("transfer.") and obj.get("id"):
        await record_transfer_news(ACTOR, await connect.retrieve_transfer(str(obj["id"])))
    elif event_type in ("payout.paid", "payout.failed") and account and obj.get("id"):
        payout = await connect.retrieve_payout(account, str(obj["id"]))
        sources = await connect.payout_sources(account, payout.id)
        await record_payout_news(ACTOR, account, payout, sources)
        if payout.status in ("paid", "failed") and await has_unrecorded_transfers(account, sources):
            # The payout arrived before we recorded one of its transfers (its job died after Stripe made it):
            # fail, so the event's job runs again once the sweep has recorded the transfer.
            raise PayoutAheadOfTransfer(f"payout {payout.id} carries a transfer not recorded yet")
    elif event_type == "balance.available":
        await requeue_waiting_transfers()
