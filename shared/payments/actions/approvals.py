"""Maker-checker: the brand's policy, approvals and refusals by distinct people, release with a TOTP code
(which writes the transfer's intent and queues its job in the same transaction), manual payouts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity import throttle, totp
from shared.identity.queries import StaffContext
from shared.identity.rules import ACCOUNT_THRESHOLD, Role
from shared.identity.throttle import TooManyAttempts
from shared.money import format_money
from shared.payments.actions.common import (
    SEND_TRANSFER_TASK,
    LockedPayable,
    _now,
    journal,
    lock_payable,
    move,
    tell_creator,
)
from shared.payments.rules import (
    MANUAL_METHODS,
    REFERENCE_MAX,
    Policy,
    Status,
    approval_refused,
    clean_reason,
    release_refused,
    validate_policy,
    validate_terms_days,
)
from shared.tax.queries import release_hold


@dataclass(frozen=True)
class Outcome:
    """What happened to one payable of a batch: done, or why not (each payable is its own transaction)."""

    payable_id: int
    done: bool
    message: str


async def _policy(brand_id: int) -> Policy:
    rows = await get_engine().fetch(
        "SELECT approvals_required, thresholds::text AS thresholds, approver_roles FROM payment_policy "
        "WHERE brand = $1",
        brand_id,
    )
    if not rows:
        return Policy()

    return Policy.from_row({**rows[0], "thresholds": json.loads(rows[0]["thresholds"] or "[]")})


async def do_set_payment_policy(
    actor: Actor, staff: StaffContext, *, brand_id: int, policy: Policy, terms_days: int
) -> None:
    """Owners set how many distinct people approve a payable (1-3, more above thresholds), who approves, and the
    brand's payment terms (net days)."""
    if staff.role_at(brand_id) != Role.OWNER:
        raise PermissionDenied("Only owners change the payment policy.")
    errors = validate_policy(policy)
    if why := validate_terms_days(terms_days):
        errors["terms_days"] = why
    if errors:
        raise InvalidInput(errors)

    async with atomic():
        before = await _policy(brand_id)
        old_days = await get_engine().fetch("SELECT payment_terms_days FROM brand WHERE id = $1", brand_id)
        await get_engine().fetch(
            """
            INSERT INTO payment_policy (brand, approvals_required, thresholds, approver_roles, updated_at)
            VALUES ($1, $2, $3::jsonb, $4::varchar[], now())
            ON CONFLICT (brand) DO UPDATE SET approvals_required = EXCLUDED.approvals_required,
                thresholds = EXCLUDED.thresholds, approver_roles = EXCLUDED.approver_roles, updated_at = now()
            """,
            brand_id,
            policy.approvals_required,
            json.dumps(policy.thresholds_json()),
            list(policy.approver_roles),
        )
        await get_engine().fetch("UPDATE brand SET payment_terms_days = $2 WHERE id = $1", brand_id, terms_days)
        await write_audit_row(
            actor,
            "payment_policy.changed",
            "brand",
            brand_id,
            brand_id=brand_id,
            before={"approvals_required": before.approvals_required, "thresholds": before.thresholds_json(),
                    "approver_roles": list(before.approver_roles),
                    "terms_days": int(old_days[0]["payment_terms_days"]) if old_days else None},
            after={"approvals_required": policy.approvals_required, "thresholds": policy.thresholds_json(),
                   "approver_roles": list(policy.approver_roles), "terms_days": terms_days},
        )  # fmt: skip


async def _approver_ids(payable_id: int) -> list[int]:
    rows = await get_engine().fetch(
        "SELECT staff FROM payable_approval WHERE payable = $1 AND decision = 'approved' ORDER BY id", payable_id
    )
    return [int(r["staff"]) for r in rows]


async def _decide(actor: Actor, staff: StaffContext, brand_id: int, payable_id: int, *, approve: bool,
                  reason: str) -> None:  # fmt: skip
    async with atomic():
        payable = await lock_payable(payable_id, brand_id)
        if payable.status != Status.PENDING_APPROVAL:
            raise IllegalTransition("This payable is not waiting for approval.")
        policy = await _policy(brand_id)
        if why := approval_refused(role=staff.role_at(brand_id), policy=policy, staff_id=staff.id,
                                   negotiated_by=payable.negotiated_by, requested_by=payable.requested_by):  # fmt: skip
            raise PermissionDenied(why)
        # The unique (payable, staff) key is the rule; this check only words it.
        done = await get_engine().fetch(
            "SELECT decision FROM payable_approval WHERE payable = $1 AND staff = $2", payable_id, staff.id
        )
        if done:
            raise IllegalTransition(f"You already {done[0]['decision']} this payable.")
        await get_engine().fetch(
            "INSERT INTO payable_approval (payable, staff, staff_name, decision, reason, created_at) "
            "VALUES ($1, $2, $3, $4, $5, now())",
            payable_id,
            staff.id,
            staff.name[:200],
            "approved" if approve else "refused",
            reason,
        )
        approvers = await _approver_ids(payable_id)
        await write_audit_row(
            actor,
            "payable.approval_given" if approve else "payable.approval_refused",
            "payable",
            payable_id,
            brand_id=brand_id,
            after={"approvals": len(approvers), "needed": payable.approvals_required, "reason": reason},
        )
        if approve and len(approvers) >= payable.approvals_required:
            await move(actor, payable, "approve", approved_at=_now())
            await tell_creator(
                payable,
                Status.APPROVED,
                f"{payable.brand_name} approved {format_money(payable.amount_minor, payable.currency)}. "
                "It is released to your Stripe account next.",
            )


async def check_approve_payables(actor: Actor, staff: StaffContext, *, brand_id: int,
                                 payable_ids: list[int]) -> list[Outcome]:  # fmt: skip
    """Finance or owners (per the brand's policy) approve payables, each once per person; the one who negotiated
    the deal can't. A payable is approved when it has as many distinct approvers as its policy asks."""
    outcomes = []
    for payable_id in dict.fromkeys(payable_ids):
        try:
            await _decide(actor, staff, brand_id, payable_id, approve=True, reason="")
            outcomes.append(Outcome(payable_id, True, "Approval recorded."))
        except (IllegalTransition, PermissionDenied, NotFound) as exc:
            outcomes.append(Outcome(payable_id, False, str(exc)))
    return outcomes


async def do_refuse_payable(actor: Actor, staff: StaffContext, *, brand_id: int, payable_id: int,
                            reason: str) -> None:  # fmt: skip
    """An approver refuses, saying why; the payable stays waiting, with the refusal shown to finance."""
    cleaned = clean_reason(reason)
    if not cleaned:
        raise InvalidInput({"reason": "Say why you refuse this payment."})
    await _decide(actor, staff, brand_id, payable_id, approve=False, reason=cleaned)


class WrongCode(InvalidInput):
    def __init__(self) -> None:
        super().__init__({"code": "That code is not right. Enter the current 6-digit code from your app."})


async def _check_code(actor: Actor, encryptor: Encryptor, staff: StaffContext, brand_id: int, code: str) -> None:
    rows = await get_engine().fetch("SELECT totp_secret_enc, totp_enabled_at FROM staff_user WHERE id = $1", staff.id)
    if not rows or rows[0]["totp_enabled_at"] is None or not rows[0]["totp_secret_enc"]:
        raise PermissionDenied("Set up two-factor authentication (TOTP) first: releasing money needs a code.")
    throttle_key = f"totp:{staff.id}"  # shared with sign-in and countersigning: guesses add up
    locked = await throttle.seconds_locked([throttle_key])
    if locked:
        raise TooManyAttempts(locked)
    secret = encryptor.decrypt(rows[0]["totp_secret_enc"])
    if secret is None or not totp.code_is_valid(secret, code):
        async with atomic():
            await throttle.record_failure(throttle_key, ACCOUNT_THRESHOLD)
            await write_audit_row(actor, "payable.release_code_failed", "staff", staff.id, brand_id=brand_id)
        raise WrongCode()
    async with atomic():
        await throttle.reset(throttle_key)


async def _why_not_release(staff: StaffContext, brand_id: int, payable: LockedPayable) -> str | None:
    approvers = await _approver_ids(payable.id)
    return release_refused(
        role=staff.role_at(brand_id), releaser_id=staff.id, approver_ids=approvers, needed=payable.approvals_required
    )


async def release_payable(actor: Actor, staff: StaffContext, brand_id: int, payable_id: int) -> None:
    """Release one approved payable: the state change, the transfer's intent (outbox) and its job, together."""
    async with atomic():
        payable = await lock_payable(payable_id, brand_id)
        again = payable.status == Status.FAILED and payable.stripe_transfer_id is None
        if payable.status != Status.APPROVED and not again:
            raise IllegalTransition(
                f"Only approved payables (or transfers Stripe refused) are released; this one is "
                f"{payable.status.replace('_', ' ')}."
            )
        if payable.method != "stripe":
            raise IllegalTransition("This payable is paid manually: record the payment with its reference.")
        if why := await _why_not_release(staff, brand_id, payable):
            raise PermissionDenied(why)
        if held := await release_hold(brand_id, payable.creator_id):  # the brand waits for the creator's W-9
            raise IllegalTransition(held)
        await move(actor, payable, "release", released_by=staff.id, released_at=_now())
        # Released again after a refusal: the same outbox row, queued again (its next attempt looks at Stripe first).
        intent = await get_engine().fetch(
            "INSERT INTO transfer_intent (payable, state, generation, attempts, last_error, created_at) "
            "VALUES ($1, 'queued', 1, 0, '', now()) ON CONFLICT (payable) DO UPDATE SET state = 'queued', "
            "generation = transfer_intent.generation + 1 WHERE transfer_intent.state = 'failed' RETURNING id",
            payable_id,
        )
        if intent:
            await queue_transfer_job(payable_id)


async def queue_transfer_job(payable_id: int) -> None:
    """Queue the transfer job inside the caller's transaction (procrastinate's own SQL function): the intent is
    never committed without its job. The job lock keeps two jobs of one payable from ever running at once."""

    rows = await get_engine().fetch(
        "SELECT (procrastinate_defer_jobs_v1(ARRAY[ROW('default', $1, 0, $2, NULL, $3::jsonb, NULL)"
        "::procrastinate_job_to_defer_v1]))[1] AS job_id",
        SEND_TRANSFER_TASK,
        f"payable-transfer-{payable_id}",
        json.dumps({"payable_id": payable_id}),
    )
    await get_engine().fetch(
        "UPDATE transfer_intent SET job_id = $2 WHERE payable = $1", payable_id, int(rows[0]["job_id"])
    )


async def check_release_payables(actor: Actor, staff: StaffContext, encryptor: Encryptor, *, brand_id: int,
                                 payable_ids: list[int], code: str) -> list[Outcome]:  # fmt: skip
    """Finance or an owner releases approved payables with a TOTP code entered now; each needs its approvals from
    distinct people, and the releaser is never its only approver."""
    if staff.role_at(brand_id) not in (Role.FINANCE, Role.OWNER):
        raise PermissionDenied("Only finance and owners release payments.")
    await _check_code(actor, encryptor, staff, brand_id, code)
    outcomes = []
    for payable_id in dict.fromkeys(payable_ids):
        try:
            await release_payable(actor, staff, brand_id, payable_id)
            outcomes.append(Outcome(payable_id, True, "Released: the transfer is on its way."))
        except (IllegalTransition, PermissionDenied, NotFound) as exc:
            outcomes.append(Outcome(payable_id, False, str(exc)))
    return outcomes


async def do_record_manual_payout(actor: Actor, staff: StaffContext, *, brand_id: int, payable_id: int,
                                  method: str, reference: str) -> None:  # fmt: skip
    """For creators Stripe can't pay: an approved payable paid by bank transfer or PayPal, with its reference,
    recorded by finance or an owner who is not its only approver."""
    if method not in MANUAL_METHODS:
        raise InvalidInput({"method": "Choose bank transfer or PayPal."})
    cleaned = " ".join(reference.split())[:REFERENCE_MAX]
    if not cleaned:
        raise InvalidInput({"reference": "Enter the payment's reference (bank or PayPal transaction id)."})
    async with atomic():
        payable = await lock_payable(payable_id, brand_id)
        if payable.status != Status.APPROVED:
            raise IllegalTransition("Only approved payables are paid.")
        if why := await _why_not_release(staff, brand_id, payable):
            raise PermissionDenied(why)
        if held := await release_hold(brand_id, payable.creator_id):
            raise IllegalTransition(held)
        now = _now()
        await move(actor, payable, "pay_manually", method=method, manual_reference=cleaned, released_by=staff.id,
                   released_at=now, paid_at=now)  # fmt: skip
        await journal(payable, "manual_paid", description=f"{MANUAL_METHODS[method]} {cleaned}")
        await tell_creator(
            payable,
            Status.PAID_OUT,
            f"{payable.brand_name} paid {format_money(payable.amount_minor, payable.currency)} by "
            f"{MANUAL_METHODS[method].lower()} (reference {cleaned}).",
        )
