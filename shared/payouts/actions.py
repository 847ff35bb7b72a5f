"""Changes to payout accounts and the webhook event log, each in one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.tables import PayoutAccount, StripeEvent
from shared.db.transactions import atomic
from shared.integrations.stripe_connect import ConnectAccount

# The job processing an event (shared/payouts/tasks.py, added to shared.jobs without a namespace).
PROCESS_EVENT_TASK = "process_stripe_event"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fields(account: ConnectAccount) -> dict[str, Any]:
    return {
        "details_submitted": account.details_submitted,
        "payouts_enabled": account.payouts_enabled,
        "currently_due": list(account.currently_due),
        "disabled_reason": account.disabled_reason,
    }


async def do_record_payout_account(actor: Actor, creator_id: int, account: ConnectAccount) -> None:
    """Remember the creator's (one) Express account; a second record for the same creator keeps the first."""
    async with atomic():
        inserted = (
            await PayoutAccount.insert(
                PayoutAccount(
                    creator=creator_id,
                    stripe_account_id=account.id,
                    country=account.country,
                    synced_at=_now(),
                    **_fields(account),
                )
            )
            .on_conflict(target=PayoutAccount.creator, action="DO NOTHING")
            .returning(PayoutAccount.id)
        )
        if inserted:
            await write_audit_row(
                actor, "payout_account.created", "creator", creator_id, after={"stripe_account": account.id}
            )


async def do_sync_payout_account(actor: Actor, account: ConnectAccount) -> bool:
    """Store what Stripe says about an account now; an audit row when its state changed. False if unknown."""
    async with atomic():
        row = (
            await PayoutAccount.select(PayoutAccount.id, PayoutAccount.creator, *_STATE_COLUMNS)
            .where(PayoutAccount.stripe_account_id == account.id)
            .first()
            .lock_rows("NO KEY UPDATE")
        )
        if row is None:
            return False
        before = {c._meta.name: row[c._meta.name] for c in _STATE_COLUMNS}
        after = _fields(account)
        await PayoutAccount.update({PayoutAccount.synced_at: _now(), **{getattr(PayoutAccount, k): v for k, v in
                                    after.items()}}).where(PayoutAccount.id == row["id"])  # fmt: skip
        if before != after:
            await write_audit_row(
                actor, "payout_account.updated", "creator", row["creator"], before=before, after=after
            )
        return True


_STATE_COLUMNS = (
    PayoutAccount.details_submitted,
    PayoutAccount.payouts_enabled,
    PayoutAccount.currently_due,
    PayoutAccount.disabled_reason,
)


async def do_receive_stripe_event(event: dict[str, Any]) -> bool:
    """Keep a verified event once and queue its processing in the same transaction; False for a duplicate."""
    async with atomic():
        inserted = (
            await StripeEvent.insert(
                StripeEvent(
                    event_id=event["id"],
                    type=str(event.get("type", "")),
                    account=event.get("account"),
                    payload=json.dumps(event),
                )
            )
            .on_conflict(target=StripeEvent.event_id, action="DO NOTHING")
            .returning(StripeEvent.id)
        )
        if not inserted:
            return False
        # The job row is written by procrastinate's own SQL function inside this transaction, so an
        # event is never stored without its job, nor a job queued for an event that was rolled back.
        await StripeEvent.raw(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('default', {}, 0, NULL, NULL, {}::jsonb, NULL)"
            "::procrastinate_job_to_defer_v1])",
            PROCESS_EVENT_TASK,
            json.dumps({"event_id": event["id"]}),
        )
        return True


async def do_mark_event_processed(event_id: str) -> None:
    async with atomic():
        await StripeEvent.update({StripeEvent.processed_at: _now()}).where(StripeEvent.event_id == event_id)
