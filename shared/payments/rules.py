"""Payables: the state machine, who may approve and release, how many approvals a payable needs, due dates,
the idempotency key of its transfer, and the clock a creator reads. Pure functions only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal

from shared.errors import IllegalTransition
from shared.identity.rules import Role
from shared.money import minor_digits

MILESTONES = ("signing", "approval", "go_live", "bonus")
MILESTONE_WORDS = {
    "signing": "signing the contract",
    "approval": "the approved draft",
    "go_live": "going live",
    "bonus": "the bonus",
}
# A usage-rights renewal pays its fee once its amendment is executed; each renewal is its own milestone
# ("renewal:<rights_renewal id>"), so the unique key (collaboration, milestone) allows one payable per renewal.
RENEWAL_MILESTONE_PREFIX = "renewal:"


def renewal_milestone(renewal_id: int) -> str:
    return f"{RENEWAL_MILESTONE_PREFIX}{renewal_id}"


def milestone_words(milestone: str) -> str:
    """What a payable was earned for, in words."""
    if milestone.startswith(RENEWAL_MILESTONE_PREFIX):
        return "renewing usage rights"
    return MILESTONE_WORDS.get(milestone, milestone)


MANUAL_METHODS = {"bank_transfer": "Bank transfer", "paypal": "PayPal"}
APPROVALS_MIN, APPROVALS_MAX = 1, 3
DEFAULT_TERMS_DAYS = 30
TERMS_DAYS_MAX = 120
REASON_MAX = 1000
REFERENCE_MAX = 200


class Status(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    RELEASED = "released"
    WAITING_FUNDS = "waiting_funds"
    TRANSFER_SENT = "transfer_sent"
    PAID_OUT = "paid_out"
    FAILED = "failed"
    REVERSED = "reversed"
    CANCELLED = "cancelled"


Verb = Literal["approve", "release", "wait_for_funds", "send", "pay_out", "fail", "reverse", "cancel", "pay_manually"]

# Every move a payable can make. Webhooks may arrive twice or out of order: the callers treat "already there"
# as a no-op before asking, so only genuinely impossible moves raise.
MOVES: dict[Verb, dict[Status, Status]] = {
    "approve": {Status.PENDING_APPROVAL: Status.APPROVED},
    # a transfer Stripe refused (nothing was sent) is released again once the cause is fixed
    "release": {Status.APPROVED: Status.RELEASED, Status.FAILED: Status.RELEASED},
    "wait_for_funds": {Status.RELEASED: Status.WAITING_FUNDS},
    "send": {Status.RELEASED: Status.TRANSFER_SENT, Status.WAITING_FUNDS: Status.TRANSFER_SENT},
    "pay_out": {Status.TRANSFER_SENT: Status.PAID_OUT, Status.FAILED: Status.PAID_OUT},
    # failed: the transfer was refused for good, or the creator's bank refused the payout (money stays at Stripe)
    "fail": {Status.RELEASED: Status.FAILED, Status.WAITING_FUNDS: Status.FAILED, Status.TRANSFER_SENT: Status.FAILED},
    "reverse": {
        Status.TRANSFER_SENT: Status.REVERSED,
        Status.FAILED: Status.REVERSED,
        Status.PAID_OUT: Status.REVERSED,
    },
    # a cancelled deal cancels what was not released
    "cancel": {Status.PENDING_APPROVAL: Status.CANCELLED, Status.APPROVED: Status.CANCELLED},
    "pay_manually": {Status.APPROVED: Status.PAID_OUT},
}

STATUS_LABELS = {
    Status.PENDING_APPROVAL: "Waiting for approval",
    Status.APPROVED: "Approved",
    Status.RELEASED: "Released",
    Status.WAITING_FUNDS: "Waiting for funds",
    Status.TRANSFER_SENT: "On its way",
    Status.PAID_OUT: "Paid",
    Status.FAILED: "Failed",
    Status.REVERSED: "Reversed",
    Status.CANCELLED: "Cancelled",
}
QUEUE_ORDER = tuple(Status)


def next_status(current: str, verb: Verb) -> Status:
    try:
        return MOVES[verb][Status(current)]
    except (KeyError, ValueError):
        raise IllegalTransition(
            f"A payable that is {STATUS_LABELS.get(Status(current), current).lower()} can't be {_past(verb)}."
        ) from None


def _past(verb: Verb) -> str:
    return {
        "approve": "approved",
        "release": "released",
        "wait_for_funds": "put on hold",
        "send": "sent",
        "pay_out": "paid out",
        "fail": "marked failed",
        "reverse": "reversed",
        "cancel": "cancelled",
        "pay_manually": "paid manually",
    }[verb]


# --- the brand's policy -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    above_minor: int
    approvals: int


@dataclass(frozen=True)
class Policy:
    approvals_required: int = 1
    thresholds: tuple[Threshold, ...] = ()
    approver_roles: tuple[str, ...] = (Role.FINANCE.value, Role.OWNER.value)

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | None) -> Policy:
        if row is None:
            return cls()
        return cls(
            approvals_required=int(row["approvals_required"]),
            thresholds=tuple(Threshold(int(t["above_minor"]), int(t["approvals"])) for t in row["thresholds"] or []),
            approver_roles=tuple(row["approver_roles"] or ()),
        )

    def thresholds_json(self) -> list[dict[str, int]]:
        return [{"above_minor": t.above_minor, "approvals": t.approvals} for t in self.thresholds]


APPROVER_ROLE_CHOICES = (Role.FINANCE.value, Role.OWNER.value)


def validate_policy(policy: Policy) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not APPROVALS_MIN <= policy.approvals_required <= APPROVALS_MAX:
        errors["approvals_required"] = "A payable needs 1, 2 or 3 approvers."
    for t in policy.thresholds:
        if t.above_minor <= 0 or not APPROVALS_MIN <= t.approvals <= APPROVALS_MAX:
            errors["thresholds"] = "Each threshold is an amount above zero and 1 to 3 approvers."
    if not policy.approver_roles or any(r not in APPROVER_ROLE_CHOICES for r in policy.approver_roles):
        errors["approver_roles"] = "Choose who approves: finance, owners, or both."
    return errors


def approvals_needed(policy: Policy, amount_minor: int) -> int:
    """The policy's count, raised by every threshold the amount is above (never beyond 3)."""
    needed = policy.approvals_required
    for t in policy.thresholds:
        if amount_minor > t.above_minor:
            needed = max(needed, t.approvals)
    return min(max(needed, APPROVALS_MIN), APPROVALS_MAX)


def can_read_payables(role: Role | None) -> bool:
    return role is not None and role != Role.REVIEWER


def can_release(role: Role | None) -> bool:
    return role in (Role.FINANCE, Role.OWNER)


def can_mark_bonus(role: Role | None) -> bool:
    return role in (Role.OWNER, Role.MANAGER)


def approval_refused(
    *, role: Role | None, policy: Policy, staff_id: int, negotiated_by: int | None, requested_by: int | None
) -> str | None:
    """Why this person may not approve (or refuse) this payable, or None."""
    if role is None or role.value not in policy.approver_roles:
        roles = " or ".join(sorted(policy.approver_roles))
        return f"Only {roles} approve payables at this brand."
    if staff_id in (negotiated_by, requested_by):
        return "You negotiated this deal (or asked for this payment): someone else has to approve it."
    return None


def release_refused(*, role: Role | None, releaser_id: int, approver_ids: Sequence[int], needed: int) -> str | None:
    """A payable is released by finance or an owner, once it has its approvals from distinct people, and never
    on the releaser's approval alone."""
    if not can_release(role):
        return "Only finance and owners release payments."
    if len(set(approver_ids)) < needed:
        return f"It needs {needed} approval{'s' if needed > 1 else ''}; it has {len(set(approver_ids))}."
    if not set(approver_ids) - {releaser_id}:
        return "You are its only approver: someone else has to approve it before you release it."
    return None


def due_on(milestone_at: dt.datetime, terms_days: int) -> dt.date:
    return milestone_at.date() + dt.timedelta(days=terms_days)


def validate_terms_days(days: int) -> str | None:
    if not 0 <= days <= TERMS_DAYS_MAX:
        return f"Payment terms are 0 to {TERMS_DAYS_MAX} days."
    return None


def payable_ref(payable_id: int, created_at: dt.datetime) -> str:
    """Our name for a payable at Stripe: its id and creation time in µs, so a restored database or a second
    installation on the same Stripe account never reuses another payable's key."""
    return f"{payable_id}-{int(created_at.timestamp() * 1_000_000)}"


def payable_id_of(ref: str) -> int | None:
    head = ref.split("-", 1)[0]
    return int(head) if head.isdigit() and len(head) < 10 else None


def transfer_idempotency_key(ref: str, generation: int) -> str:
    """Derived from the payable, never random: every retry of one attempt says the same; a new generation only
    once Stripe answered that nothing was made."""
    return f"rapport-payable-{ref}-transfer-{generation}"


def transfer_group(collaboration_id: int) -> str:
    return f"collaboration-{collaboration_id}"


def clean_reason(text: str) -> str:
    return " ".join(text.split())[:REASON_MAX]


def payout_arrival(sent_at: dt.datetime, *, business_days: int = 2) -> dt.date:
    """When money sent to a creator's Stripe account usually reaches their bank: the next business days."""
    day = sent_at.date()
    added = 0
    while added < business_days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day


def _day(value: dt.date | dt.datetime) -> str:
    return f"{value.day} {value.strftime('%b')}"


@dataclass(frozen=True)
class ClockFacts:
    status: str
    brand_name: str
    due_on: dt.date
    approved_at: dt.datetime | None
    sent_at: dt.datetime | None
    paid_at: dt.datetime | None
    expected_arrival_on: dt.date | None
    reason: str
    method: str


def clock_words(f: ClockFacts, today: dt.date) -> str:
    """The payable's clock in words, for the creator: who did what when, and what happens next."""
    brand = f.brand_name
    match Status(f.status):
        case Status.PENDING_APPROVAL:
            late = " — it is overdue; the brand has been reminded" if f.due_on < today else ""
            return f"{brand} is approving it; it is due by {_day(f.due_on)}{late}."
        case Status.APPROVED:
            return f"{brand} approved it on {_day(f.approved_at or f.due_on)}; it is due by {_day(f.due_on)}."
        case Status.RELEASED | Status.WAITING_FUNDS:
            return f"{brand} released it; it is leaving for your Stripe account now."
        case Status.TRANSFER_SENT:
            arrival = f.expected_arrival_on or today
            sent = f" on {_day(f.sent_at)}" if f.sent_at else ""
            return f"{brand} sent it{sent}; Stripe sends it to your bank around {_day(arrival)}."
        case Status.PAID_OUT:
            how = MANUAL_METHODS.get(f.method)
            via = f" by {how.lower()}" if how else " to your bank"
            return f"Paid{via} on {_day(f.paid_at or today)}."
        case Status.FAILED:
            return (
                f"It could not reach you: {f.reason or 'the payment failed'}. Check your payout details in Stripe; "
                "it is sent again once they are fixed."
            )
        case Status.REVERSED:
            return f"{brand} took this transfer back: {f.reason or 'ask them why'}."
        case Status.CANCELLED:
            return f"Cancelled: {f.reason or 'the deal was cancelled'}."
    return ""


def totals_by_state(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Owed (not sent yet), in transit (sent, not in the bank), paid."""
    totals = {"owed": 0, "in_transit": 0, "paid": 0}
    for status, amount in rows:
        if status in (Status.PENDING_APPROVAL, Status.APPROVED, Status.RELEASED, Status.WAITING_FUNDS):
            totals["owed"] += amount
        elif status in (Status.TRANSFER_SENT, Status.FAILED):
            totals["in_transit"] += amount
        elif status == Status.PAID_OUT:
            totals["paid"] += amount
    return totals


def parse_threshold(amount: str, approvals: int | None, currency: str) -> tuple[tuple[Threshold, ...], str | None]:
    """The policy form's one threshold row: blank means none; an amount needs its number of approvers."""
    text = amount.strip().replace(",", "").replace(" ", "")
    if not text:
        return (), None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return (), "Enter an amount like 5000 or 5000.00."
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal(1).scaleb(-minor_digits(currency))):
        return (), "Enter an amount above zero, in the brand's currency."
    if approvals is None:
        return (), "Say how many approvers a payable above this amount needs."
    return (Threshold(int(value.scaleb(minor_digits(currency))), approvals),), None
