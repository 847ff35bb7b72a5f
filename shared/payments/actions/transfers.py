"""The transfer's bookkeeping around the one outside call (made by shared.payments.sending, outside any
transaction): the attempt recorded before the call, its result after, and the webhooks' later news.

Every function here is safe to run twice: a state already reached is a no-op, journals are keyed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.integrations.stripe_connect import Payout, Transfer
from shared.ledger.rules import JournalKind
from shared.money import format_money
from shared.payments.actions.approvals import queue_transfer_job
from shared.payments.actions.common import _now, journal, lock_payable, move, tell_creator
from shared.payments.rules import (
    Status,
    payable_id_of,
    payable_ref,
    payout_arrival,
    transfer_group,
    transfer_idempotency_key,
)


@dataclass(frozen=True)
class Attempt:
    payable_id: int
    ref: str  # our name for it at Stripe (metadata), see rules.payable_ref
    idempotency_key: str
    amount_minor: int
    currency: str
    destination: str | None  # the creator's connected account; None when they have none
    transfer_group: str
    first_try: bool


async def begin_attempt(payable_id: int) -> Attempt | None:
    """Record that we are about to call Stripe (state 'sending', one more attempt); None when there is nothing to
    send any more (sent, failed, or the payable moved on)."""
    engine = get_engine()
    async with atomic():
        rows = await engine.fetch(
            """
            SELECT t.state, t.generation, t.attempts, p.status, p.amount_minor, p.currency, p.collaboration,
                   p.created_at, pa.stripe_account_id
            FROM transfer_intent t JOIN payable p ON p.id = t.payable
            LEFT JOIN payout_account pa ON pa.creator = p.creator
            WHERE t.payable = $1 FOR UPDATE OF t
            """,
            payable_id,
        )
        if not rows:
            return None
        r = rows[0]
        if r["state"] in ("sent", "failed") or r["status"] not in (Status.RELEASED, Status.WAITING_FUNDS):
            return None
        await engine.fetch(
            "UPDATE transfer_intent SET state = 'sending', attempts = attempts + 1, attempted_at = now() "
            "WHERE payable = $1",
            payable_id,
        )
        ref = payable_ref(payable_id, r["created_at"])
        return Attempt(
            payable_id=payable_id,
            ref=ref,
            idempotency_key=transfer_idempotency_key(ref, int(r["generation"])),
            amount_minor=int(r["amount_minor"]),
            currency=r["currency"],
            destination=r["stripe_account_id"],
            transfer_group=transfer_group(int(r["collaboration"])),
            first_try=int(r["attempts"]) == 0,
        )


async def record_transfer_sent(actor: Actor, payable_id: int, transfer: Transfer) -> bool:
    """Stripe made the transfer: the payable is on its way, with its journal. False if this was known already."""
    async with atomic():
        payable = await lock_payable(payable_id)
        await get_engine().fetch(
            "UPDATE transfer_intent SET state = 'sent', sent_at = coalesce(sent_at, now()), last_error = '' "
            "WHERE payable = $1",
            payable_id,
        )
        if payable.stripe_transfer_id is not None:
            return False
        sent_at = dt.datetime.fromtimestamp(transfer.created, dt.UTC) if transfer.created else _now()
        arrival = payout_arrival(sent_at)
        await move(actor, payable, "send", reason="", stripe_transfer_id=transfer.id,
                   stripe_destination_payment=transfer.destination_payment or None, sent_at=sent_at,
                   expected_arrival_on=arrival)  # fmt: skip
        await journal(payable, "transfer_sent", stripe_object=transfer.id, description="transfer to the creator")
        await tell_creator(
            payable,
            Status.TRANSFER_SENT,
            f"{payable.brand_name} sent {format_money(payable.amount_minor, payable.currency)} to your Stripe account. "
            f"Stripe sends it to your bank around {arrival.day} {arrival.strftime('%b')}.",
        )
        return True


async def record_waiting_for_funds(actor: Actor, payable_id: int, reason: str) -> None:
    """Stripe made nothing (the platform balance is too low): wait, shown to finance, retried when funds arrive.
    The next attempt uses a new idempotency key, since this one's answer is kept by Stripe."""
    async with atomic():
        payable = await lock_payable(payable_id)
        await get_engine().fetch(
            "UPDATE transfer_intent SET state = 'waiting_funds', generation = generation + 1, last_error = $2 "
            "WHERE payable = $1",
            payable_id,
            reason,
        )
        if payable.status == Status.RELEASED:
            await move(actor, payable, "wait_for_funds", reason=reason)


async def record_transfer_failed(actor: Actor, payable_id: int, reason: str) -> None:
    """Stripe refused the transfer for good (e.g. the creator's account can't receive transfers)."""
    async with atomic():
        payable = await lock_payable(payable_id)
        await get_engine().fetch(
            "UPDATE transfer_intent SET state = 'failed', last_error = $2 WHERE payable = $1", payable_id, reason
        )
        if payable.status in (Status.RELEASED, Status.WAITING_FUNDS):
            await move(actor, payable, "fail", reason=reason)
            await tell_creator(payable, Status.FAILED, f"{payable.brand_name} could not send your payment: {reason}")


async def record_attempt_error(payable_id: int, error: str, *, new_generation: bool) -> None:
    """An unclear answer: retried by the job. A new key only when Stripe answered and no transfer exists."""
    async with atomic():
        await get_engine().fetch(
            "UPDATE transfer_intent SET last_error = $2, generation = generation + $3::int WHERE payable = $1 "
            "AND state <> 'sent'",
            payable_id,
            error[:1000],
            1 if new_generation else 0,
        )


async def record_transfer_news(actor: Actor, transfer: Transfer) -> None:
    """A transfer as Stripe says it is now (re-read, so order does not matter): a full reversal reverses the
    payable; a transfer we had not recorded (our record was lost) is recorded."""
    rows = await get_engine().fetch("SELECT id FROM payable WHERE stripe_transfer_id = $1", transfer.id)
    payable_id = int(rows[0]["id"]) if rows else None
    if payable_id is None:
        # A transfer we made but never recorded (our record was lost): recognised by the ref in its metadata.
        ref = transfer.metadata.get("rapport_payable", "")
        named = payable_id_of(ref)
        found = await get_engine().fetch("SELECT created_at FROM payable WHERE id = $1", named) if named else []
        if named is None or not found or payable_ref(named, found[0]["created_at"]) != ref:
            return
        payable_id = named
        await record_transfer_sent(actor, payable_id, transfer)
    if transfer.amount_reversed >= transfer.amount > 0:
        async with atomic():
            payable = await lock_payable(payable_id)
            if payable.status in (Status.TRANSFER_SENT, Status.FAILED, Status.PAID_OUT):
                await move(actor, payable, "reverse", reason="the transfer was reversed")
                kind: JournalKind = "clawed_back" if payable.status == Status.PAID_OUT else "reversed"
                await journal(payable, kind, stripe_object=transfer.id, description="transfer reversed",
                              reverses="transfer_sent")  # fmt: skip
                await tell_creator(payable, Status.REVERSED, f"{payable.brand_name} reversed this transfer.")


async def record_payout_news(actor: Actor, account_id: str, payout: Payout, sources: list[str]) -> int:
    """A creator's payout as Stripe says it is now: paid → the payables it carried are paid out; failed → failed
    with Stripe's reason (the money waits in their Stripe account). Returns how many payables moved."""
    if not sources or payout.status not in ("paid", "failed"):
        return 0
    rows = await get_engine().fetch(
        "SELECT p.id FROM payable p JOIN payout_account pa ON pa.creator = p.creator "
        "WHERE pa.stripe_account_id = $1 AND p.stripe_destination_payment = ANY($2::varchar[]) ORDER BY p.id",
        account_id,
        sources,
    )
    moved = 0
    for row in rows:
        async with atomic():
            payable = await lock_payable(int(row["id"]))
            if payout.status == "paid" and payable.status in (Status.TRANSFER_SENT, Status.FAILED):
                await move(actor, payable, "pay_out", reason="", stripe_payout_id=payout.id, paid_at=_now())
                await journal(payable, "paid_out", stripe_object=payout.id, description="paid to the creator's bank")
                await tell_creator(
                    payable,
                    Status.PAID_OUT,
                    f"{format_money(payable.amount_minor, payable.currency)} from {payable.brand_name} "
                    "reached your bank.",
                )
                moved += 1
            elif payout.status == "failed" and payable.status == Status.TRANSFER_SENT:
                reason = payout.failure_message or payout.failure_code or "your bank refused the payout"
                await move(actor, payable, "fail", reason=reason, stripe_payout_id=payout.id)
                await tell_creator(
                    payable,
                    Status.FAILED,
                    f"Your bank refused the payout of {format_money(payable.amount_minor, payable.currency)}: "
                    f"{reason}. "
                    "Update your bank details in Stripe (Payments → Stripe dashboard); Stripe sends it again.",
                )
                moved += 1
    return moved


async def has_unrecorded_transfers(account_id: str, sources: list[str]) -> bool:
    """Does the payout carry money we have not recorded as sent yet? (A transfer whose job died after Stripe made
    it: its payable is still 'released' or waiting, and the payout names a payment we don't know.)"""
    rows = await get_engine().fetch(
        """
        SELECT (SELECT count(*) FROM unnest($2::varchar[]) s
                WHERE NOT EXISTS (SELECT 1 FROM payable p WHERE p.stripe_destination_payment = s)) AS unknown,
               (SELECT count(*) FROM payable p JOIN payout_account pa ON pa.creator = p.creator
                WHERE pa.stripe_account_id = $1 AND p.status IN ('released', 'waiting_funds')) AS unrecorded
        """,
        account_id,
        sources,
    )
    return int(rows[0]["unknown"]) > 0 and int(rows[0]["unrecorded"]) > 0


async def requeue_waiting_transfers() -> int:
    """Funds arrived (or the sweep runs): transfers waiting for funds get a new job."""
    async with atomic():
        rows = await get_engine().fetch(
            "SELECT payable FROM transfer_intent WHERE state = 'waiting_funds' ORDER BY payable FOR UPDATE SKIP LOCKED"
        )
        for row in rows:
            await get_engine().fetch(
                "UPDATE transfer_intent SET state = 'queued' WHERE payable = $1", int(row["payable"])
            )
            await queue_transfer_job(int(row["payable"]))
    return len(rows)


async def requeue_lost_transfers() -> int:
    """The sweep: an intent not sent whose job is gone (never queued, or finished or failed without sending) gets
    a new job. A job whose worker died stays 'doing' until procrastinate's stalled-job retry (the sweep task
    does it) puts it back. Running the job twice is harmless."""
    async with atomic():
        rows = await get_engine().fetch(
            """
            SELECT t.payable FROM transfer_intent t
            LEFT JOIN procrastinate_jobs j ON j.id = t.job_id
            WHERE t.state IN ('queued', 'sending') AND (j.id IS NULL OR j.status NOT IN ('todo', 'doing'))
            ORDER BY t.payable FOR UPDATE OF t SKIP LOCKED
            """
        )
        for row in rows:
            await queue_transfer_job(int(row["payable"]))
    return len(rows)
