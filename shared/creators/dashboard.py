"""The creator's dashboard, "what needs me now": open offers, deliverables by due date, unread messages and
the payments their deals promise. One statement for its sections however much there is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shared.campaigns.rules import KIND_LABELS, platform_label
from shared.collaborations.rules import MILESTONE_LABELS, Status, Terms
from shared.db.rows import jsonb
from shared.db.together import as_dates, as_datetimes, fetch_together
from shared.money import format_money

# The status lists are written into the SQL below (no array parameters: asyncpg introspects array
# types on each new connection, which would make the page's query count vary). Deals that are running
# (accepted, contracted, in progress) owe deliverables and payments; a deliverable needs something until
# it is live (pending, draft submitted, changes requested, approved).
DELIVERABLE_LABELS = {
    "pending": "To make",
    "draft_submitted": "Draft sent, waiting for the brand",
    "changes_requested": "Changes requested",
    "approved": "Approved: publish it",
    "live": "Live",
    "verified": "Verified",
}
DELIVERABLES_SHOWN = 10
SECTION_ROWS_MAX = 50  # a safety cap; a creator with more open offers than this is very rare


@dataclass(frozen=True)
class PendingOffer:
    collaboration_id: int
    campaign_name: str
    brand_name: str
    fee: str
    waiting_for_me: bool  # invited: the creator answers; countered: the brand answers their counter-offer
    updated_at: dt.datetime


@dataclass(frozen=True)
class DueDeliverable:
    id: int
    collaboration_id: int
    label: str
    campaign_name: str
    brand_name: str
    due_on: dt.date | None
    due_text: str
    overdue: bool
    status: str
    status_label: str


@dataclass(frozen=True)
class UnreadThread:
    collaboration_id: int
    campaign_name: str
    brand_name: str
    unread: int


@dataclass(frozen=True)
class UpcomingPayment:
    collaboration_id: int
    campaign_name: str
    brand_name: str
    amount: str
    when: str  # in plain words: "when the draft is approved"


@dataclass(frozen=True)
class AddressNeeded:
    """A deal with free product whose brand still waits for the creator's shipping address."""

    collaboration_id: int
    campaign_name: str
    brand_name: str
    product: str


@dataclass(frozen=True)
class Dashboard:
    offers: list[PendingOffer]
    deliverables: list[DueDeliverable]
    more_deliverables: bool
    unread: list[UnreadThread]
    payments: list[UpcomingPayment]
    addresses_needed: list[AddressNeeded] = field(default_factory=list)
    payment_totals: list[str] = field(default_factory=list)  # one per currency: "US$1,800.00"
    # Linked accounts that stopped giving access ({"provider", "handle"}), oldest first: the creator reconnects them.
    reconnect: list[dict[str, str]] = field(default_factory=list)

    @property
    def unread_total(self) -> int:
        return sum(thread.unread for thread in self.unread)


_OFFERS = """
SELECT c.id, c.status, c.fee_minor, c.currency, c.updated_at, k.name AS campaign_name, b.name AS brand_name
FROM collaboration c
JOIN campaign k ON k.id = c.campaign
JOIN brand b ON b.id = c.brand
WHERE c.creator = $1 AND c.status IN ('invited', 'countered')
ORDER BY c.status = 'invited' DESC, c.updated_at DESC, c.id DESC
LIMIT $2
"""

_DELIVERABLES = """
SELECT d.id, d.collaboration, d.kind, d.platform, d.title, d.status, d.due_on, k.name AS campaign_name,
       b.name AS brand_name
FROM deliverable d
JOIN collaboration c ON c.id = d.collaboration
JOIN campaign k ON k.id = d.campaign
JOIN brand b ON b.id = d.brand
WHERE d.creator = $1 AND d.status IN ('pending', 'draft_submitted', 'changes_requested', 'approved')
  AND c.status IN ('accepted', 'contracted', 'in_progress')
ORDER BY d.due_on NULLS LAST, d.id
LIMIT $2
"""

_UNREAD = """
SELECT m.collaboration, count(*) AS unread, max(m.id) AS newest, k.name AS campaign_name, b.name AS brand_name
FROM message m
JOIN collaboration c ON c.id = m.collaboration
JOIN campaign k ON k.id = c.campaign
JOIN brand b ON b.id = c.brand
LEFT JOIN thread_read t ON t.collaboration = m.collaboration AND t.reader_kind = 'creator' AND t.reader_id = $1
WHERE c.creator = $1 AND m.author_kind = 'staff' AND m.id > COALESCE(t.last_read_message_id, 0)
GROUP BY m.collaboration, k.name, b.name
ORDER BY newest DESC
LIMIT $2
"""

_PAYMENTS = """
SELECT c.id, c.agreed_terms, k.name AS campaign_name, b.name AS brand_name
FROM collaboration c
JOIN campaign k ON k.id = c.campaign
JOIN brand b ON b.id = c.brand
WHERE c.creator = $1 AND c.status IN ('accepted', 'contracted', 'in_progress') AND c.agreed_terms IS NOT NULL
ORDER BY c.agreed_at, c.id
LIMIT $2
"""


_ADDRESSES = """
SELECT c.id, s.product, k.name AS campaign_name, b.name AS brand_name
FROM shipment s
JOIN collaboration c ON c.id = s.collaboration
JOIN campaign k ON k.id = c.campaign
JOIN brand b ON b.id = c.brand
WHERE c.creator = $1 AND s.address_given_at IS NULL AND s.shipped_at IS NULL
  AND c.status IN ('accepted', 'contracted', 'in_progress')
ORDER BY c.agreed_at, c.id
LIMIT $2
"""


_RECONNECT = """
SELECT provider, handle FROM social_identity
WHERE creator = $1 AND status = 'reconnect_needed'
ORDER BY created_at, id
LIMIT $2
"""


def _due_text(due_on: dt.date | None, today: dt.date) -> str:
    if due_on is None:
        return "No date"
    days = (due_on - today).days
    if days < -1:
        return f"{-days} days overdue"
    if days == -1:
        return "1 day overdue"
    if days == 0:
        return "Due today"
    if days == 1:
        return "Due tomorrow"
    return f"Due in {days} days"


def _payment_when(milestone: str, condition: str) -> str:
    if milestone == "bonus":
        return f"bonus, if {condition}" if condition else "bonus"
    return MILESTONE_LABELS.get(milestone, milestone)


def _deliverable_label(row: dict[str, Any]) -> str:
    label = f"{KIND_LABELS.get(row['kind'], row['kind'])} on {platform_label(row['platform'])}"
    return f"{label} — {row['title']}" if row["title"] else label


async def get_dashboard(creator_id: int, *, today: dt.date | None = None) -> Dashboard:
    """Everything on the creator's dashboard; its six reads in one statement (shared.db.together), whatever the
    counts."""
    today = today or dt.datetime.now(dt.UTC).date()
    offer_rows, deliverable_rows, unread_rows, payment_rows, address_rows, reconnect_rows = await fetch_together(
        [
            (_OFFERS, (creator_id, SECTION_ROWS_MAX)),
            (_DELIVERABLES, (creator_id, DELIVERABLES_SHOWN + 1)),
            (_UNREAD, (creator_id, SECTION_ROWS_MAX)),
            (_PAYMENTS, (creator_id, SECTION_ROWS_MAX)),
            (_ADDRESSES, (creator_id, SECTION_ROWS_MAX)),
            (_RECONNECT, (creator_id, SECTION_ROWS_MAX)),
        ]
    )
    as_datetimes(offer_rows, "updated_at")
    as_dates(deliverable_rows, "due_on")

    offers = [
        PendingOffer(
            collaboration_id=int(row["id"]),
            campaign_name=row["campaign_name"],
            brand_name=row["brand_name"],
            fee=format_money(row["fee_minor"], row["currency"]) if row["fee_minor"] else "Product only",
            waiting_for_me=row["status"] == Status.INVITED.value,
            updated_at=row["updated_at"],
        )
        for row in offer_rows
    ]
    deliverables = [
        DueDeliverable(
            id=int(row["id"]),
            collaboration_id=int(row["collaboration"]),
            label=_deliverable_label(row),
            campaign_name=row["campaign_name"],
            brand_name=row["brand_name"],
            due_on=row["due_on"],
            due_text=_due_text(row["due_on"], today),
            overdue=row["due_on"] is not None and row["due_on"] < today,
            status=row["status"],
            status_label=DELIVERABLE_LABELS.get(row["status"], row["status"]),
        )
        for row in deliverable_rows[:DELIVERABLES_SHOWN]
    ]
    unread = [
        UnreadThread(int(row["collaboration"]), row["campaign_name"], row["brand_name"], int(row["unread"]))
        for row in unread_rows
    ]
    payments: list[UpcomingPayment] = []
    totals: dict[str, int] = {}
    for row in payment_rows:
        terms = Terms.from_json(jsonb(row["agreed_terms"]))
        owed = sum(p.amount_minor for p in terms.payments if p.milestone != "bonus" and p.amount_minor > 0)
        if owed:
            totals[terms.currency] = totals.get(terms.currency, 0) + owed
        payments.extend(
            UpcomingPayment(
                collaboration_id=int(row["id"]),
                campaign_name=row["campaign_name"],
                brand_name=row["brand_name"],
                amount=format_money(payment.amount_minor, terms.currency),
                when=_payment_when(payment.milestone, payment.condition),
            )
            for payment in terms.payments
            if payment.amount_minor > 0
        )
    return Dashboard(
        offers=offers,
        deliverables=deliverables,
        more_deliverables=len(deliverable_rows) > DELIVERABLES_SHOWN,
        unread=unread,
        payments=payments,
        addresses_needed=[
            AddressNeeded(int(row["id"]), row["campaign_name"], row["brand_name"], row["product"])
            for row in address_rows
        ],
        payment_totals=[format_money(minor, currency) for currency, minor in sorted(totals.items())],
        reconnect=reconnect_rows,
    )
