"""Reading payables: finance's queue (by state and due date), one payable with its approvals and journals, and
the creator's payments with their clock in words. Typed rows; one query per list."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shared.db.engine import get_engine
from shared.errors import NotFound
from shared.ledger.queries import JournalLine, list_payable_journals
from shared.money import format_money, minor_digits
from shared.payments.rules import (
    STATUS_LABELS,
    ClockFacts,
    Policy,
    Status,
    clock_words,
    milestone_words,
    totals_by_state,
)

OPEN = (Status.PENDING_APPROVAL, Status.APPROVED, Status.RELEASED, Status.WAITING_FUNDS)


@dataclass(frozen=True)
class QueueRow:
    id: int
    creator_id: int
    creator_name: str
    campaign_id: int
    campaign_name: str
    milestone: str
    amount_minor: int
    currency: str
    status: str
    due_on: dt.date
    approvals: int
    approvals_required: int
    approver_names: str
    refusals: str
    reason: str
    sent: bool  # a transfer exists at Stripe

    @property
    def amount(self) -> str:
        return format_money(self.amount_minor, self.currency)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]

    @property
    def releasable(self) -> bool:
        """Approved, or refused by Stripe before anything was sent (released again once the cause is fixed)."""
        return self.status == Status.APPROVED or (self.status == Status.FAILED and not self.sent)

    @property
    def milestone_words(self) -> str:
        return milestone_words(self.milestone)

    def overdue(self, today: dt.date) -> bool:
        return self.status in OPEN and self.due_on < today


_QUEUE = """
SELECT p.id, p.creator, cr.display_name, p.campaign, k.name AS campaign_name, p.milestone, p.amount_minor, p.currency,
       p.status, p.due_on, p.approvals_required, p.reason, p.stripe_transfer_id IS NOT NULL AS sent,
       count(a.id) FILTER (WHERE a.decision = 'approved') AS approvals,
       coalesce(string_agg(a.staff_name, ', ' ORDER BY a.id) FILTER (WHERE a.decision = 'approved'), '') AS names,
       coalesce(string_agg(a.staff_name || ': ' || a.reason, '; ' ORDER BY a.id)
                FILTER (WHERE a.decision = 'refused'), '') AS refusals
FROM payable p
JOIN creator cr ON cr.id = p.creator
JOIN campaign k ON k.id = p.campaign
LEFT JOIN payable_approval a ON a.payable = p.id
WHERE p.brand = $1 AND ($2::varchar IS NULL OR p.status = $2) AND ($3::int IS NULL OR p.creator = $3)
  AND ($4::int IS NULL OR p.campaign = $4) AND ($5::varchar IS NULL OR p.currency = $5) {only}
GROUP BY p.id, cr.display_name, k.name
ORDER BY p.due_on, p.id
LIMIT 500
"""


def _queue_row(r: Any) -> QueueRow:
    return QueueRow(
        id=int(r["id"]), creator_id=int(r["creator"]), creator_name=r["display_name"], campaign_id=int(r["campaign"]),
        campaign_name=r["campaign_name"], milestone=r["milestone"], amount_minor=int(r["amount_minor"]),
        currency=r["currency"], status=r["status"], due_on=r["due_on"], approvals=int(r["approvals"]),
        approvals_required=int(r["approvals_required"]), approver_names=r["names"], refusals=r["refusals"],
        reason=r["reason"], sent=bool(r["sent"]),
    )  # fmt: skip


async def list_payout_queue(
    brand_id: int,
    *,
    status: str | None = None,
    creator_id: int | None = None,
    campaign_id: int | None = None,
    currency: str | None = None,
    ids: list[int] | None = None,
) -> list[QueueRow]:
    """A brand's payables by due date (the 500 soonest), filtered by state, creator, campaign or currency."""
    only = "AND p.id = ANY($6::int[])" if ids is not None else ""
    args: list[Any] = [brand_id, status, creator_id, campaign_id, currency]
    if ids is not None:
        args.append(ids)
    rows = await get_engine().fetch(_QUEUE.format(only=only), *args)
    return [_queue_row(r) for r in rows]


@dataclass(frozen=True)
class Approval:
    staff_name: str
    decision: str
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class PayableDetail:
    row: QueueRow
    method: str
    manual_reference: str
    note: str
    stripe_transfer_id: str
    stripe_payout_id: str
    approvals: tuple[Approval, ...]
    journals: tuple[JournalLine, ...]


async def get_brand_payable(brand_id: int, payable_id: int) -> PayableDetail:
    """One payable of the brand with who approved it and its ledger trail; NotFound for another brand's."""
    found = await list_payout_queue(brand_id, ids=[payable_id])
    if not found:
        raise NotFound("No such payable.")
    row = found[0]
    engine = get_engine()
    extra = (
        await engine.fetch(
            "SELECT method, manual_reference, note, coalesce(stripe_transfer_id, '') AS t, "
            "coalesce(stripe_payout_id, '') AS po FROM payable WHERE id = $1",
            payable_id,
        )
    )[0]
    approvals = await engine.fetch(
        "SELECT staff_name, decision, reason, created_at FROM payable_approval WHERE payable = $1 ORDER BY id",
        payable_id,
    )
    return PayableDetail(
        row=row,
        method=extra["method"],
        manual_reference=extra["manual_reference"],
        note=extra["note"],
        stripe_transfer_id=extra["t"],
        stripe_payout_id=extra["po"],
        approvals=tuple(Approval(a["staff_name"], a["decision"], a["reason"], a["created_at"]) for a in approvals),
        journals=tuple(await list_payable_journals(payable_id)),
    )


@dataclass(frozen=True)
class CreatorPayment:
    id: int
    brand_name: str
    campaign_name: str
    milestone: str
    amount_minor: int
    currency: str
    status: str
    clock: str

    @property
    def amount(self) -> str:
        return format_money(self.amount_minor, self.currency)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]

    @property
    def what(self) -> str:
        return f"{self.campaign_name}: {milestone_words(self.milestone)}"


@dataclass(frozen=True)
class CreatorPayments:
    payments: tuple[CreatorPayment, ...]
    totals: dict[str, dict[str, str]]  # currency -> owed / in_transit / paid this year, formatted


async def list_creator_payments(creator_id: int, today: dt.date) -> CreatorPayments:
    """Everything brands owe or paid the creator, newest first, each with its clock in words; totals per currency
    (owed, in transit, paid this year)."""
    rows = await get_engine().fetch(
        """
        SELECT p.id, b.name AS brand_name, k.name AS campaign_name, p.milestone, p.amount_minor, p.currency,
               p.status, p.due_on, p.approved_at, p.sent_at, p.paid_at, p.expected_arrival_on, p.reason, p.method
        FROM payable p JOIN brand b ON b.id = p.brand JOIN campaign k ON k.id = p.campaign
        WHERE p.creator = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT 200
        """,
        creator_id,
    )
    payments = []
    by_currency: dict[str, list[tuple[str, int]]] = {}
    for r in rows:
        facts = ClockFacts(r["status"], r["brand_name"], r["due_on"], r["approved_at"], r["sent_at"], r["paid_at"],
                           r["expected_arrival_on"], r["reason"], r["method"])  # fmt: skip
        payments.append(
            CreatorPayment(
                int(r["id"]),
                r["brand_name"],
                r["campaign_name"],
                r["milestone"],
                int(r["amount_minor"]),
                r["currency"],
                r["status"],
                clock_words(facts, today),
            )
        )
        this_year = r["status"] != Status.PAID_OUT or (r["paid_at"] is not None and r["paid_at"].year == today.year)
        if this_year:
            by_currency.setdefault(r["currency"], []).append((r["status"], int(r["amount_minor"])))
    totals = {
        currency: {k: format_money(v, currency) for k, v in totals_by_state(items).items()}
        for currency, items in sorted(by_currency.items())
    }
    return CreatorPayments(tuple(payments), totals)


@dataclass(frozen=True)
class QueueFilters:
    """What the queue can be filtered by: the brand's creators and campaigns with payables, and currencies."""

    creators: tuple[tuple[int, str], ...]
    campaigns: tuple[tuple[int, str], ...]
    currencies: tuple[str, ...]


async def get_queue_filters(brand_id: int) -> QueueFilters:
    rows = await get_engine().fetch(
        """
        SELECT 'creator' AS kind, cr.id, cr.display_name AS name FROM creator cr
          WHERE cr.id IN (SELECT creator FROM payable WHERE brand = $1)
        UNION ALL SELECT 'campaign', k.id, k.name FROM campaign k
          WHERE k.id IN (SELECT campaign FROM payable WHERE brand = $1)
        UNION ALL SELECT DISTINCT 'currency', 0, currency FROM payable WHERE brand = $1
        ORDER BY 1, 3
        """,
        brand_id,
    )
    pick = lambda kind: tuple((int(r["id"]), r["name"]) for r in rows if r["kind"] == kind)  # noqa: E731
    return QueueFilters(pick("creator"), pick("campaign"), tuple(r["name"] for r in rows if r["kind"] == "currency"))


CSV_COLUMNS = ("payable", "due_on", "creator", "campaign", "milestone", "amount", "currency", "state", "approvals",
               "approvals_needed", "approved_by", "refusals", "reason")  # fmt: skip


def queue_csv_rows(rows: list[QueueRow]) -> list[list[str]]:
    """The queue as CSV rows for accounting: amounts in major units as plain decimals, no symbols; the milestone
    in the words the queue shows ("renewing usage rights", not the key "renewal:12")."""
    out = []
    for r in rows:
        amount = str(Decimal(r.amount_minor).scaleb(-minor_digits(r.currency)))
        out.append(
            [str(r.id), r.due_on.isoformat(), r.creator_name, r.campaign_name, r.milestone_words, amount, r.currency,
             r.status, str(r.approvals), str(r.approvals_required), r.approver_names, r.refusals, r.reason]
        )  # fmt: skip
    return out


@dataclass(frozen=True)
class PaymentSettings:
    policy: Policy
    terms_days: int
    currency: str

    @property
    def threshold_amount(self) -> str:
        if not self.policy.thresholds:
            return ""
        return str(Decimal(self.policy.thresholds[0].above_minor).scaleb(-minor_digits(self.currency)))

    @property
    def threshold_approvals(self) -> str:
        return str(self.policy.thresholds[0].approvals) if self.policy.thresholds else ""


async def get_payment_settings(brand_id: int) -> PaymentSettings:
    rows = await get_engine().fetch(
        """
        SELECT b.payment_terms_days, b.default_currency, p.approvals_required, p.thresholds::text AS thresholds,
               p.approver_roles
        FROM brand b LEFT JOIN payment_policy p ON p.brand = b.id WHERE b.id = $1
        """,
        brand_id,
    )
    if not rows:
        raise NotFound("No such brand.")
    r = rows[0]
    policy = Policy()
    if r["approvals_required"] is not None:
        policy = Policy.from_row({**r, "thresholds": json.loads(r["thresholds"])})
    return PaymentSettings(policy, int(r["payment_terms_days"]), r["default_currency"])


@dataclass(frozen=True)
class MoneyAtStake:
    """What cancelling a deal would do to its money: payables not yet released are cancelled; released ones stay."""

    to_cancel: tuple[str, ...]  # "2 payables, $1,200.00" per currency
    staying: tuple[str, ...]


CANCELLABLE = (Status.PENDING_APPROVAL, Status.APPROVED)


async def get_money_at_stake(brand_id: int, collaboration_id: int) -> MoneyAtStake:
    rows = await get_engine().fetch(
        """
        SELECT p.status = ANY($3::varchar[]) AS cancellable, p.currency, count(*) AS n, sum(p.amount_minor) AS total
        FROM payable p
        WHERE p.brand = $1 AND p.collaboration = $2 AND p.status <> 'cancelled'
        GROUP BY 1, 2 ORDER BY 2
        """,
        brand_id,
        collaboration_id,
        [s.value for s in CANCELLABLE],
    )

    def words(cancellable: bool) -> tuple[str, ...]:
        return tuple(
            f"{r['n']} payable{'s' if r['n'] != 1 else ''}, {format_money(int(r['total']), r['currency'])}"
            for r in rows
            if r["cancellable"] is cancellable
        )

    return MoneyAtStake(to_cancel=words(True), staying=words(False))
