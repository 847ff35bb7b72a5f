"""Collaboration rules: the offer/deal state machine, the terms of an offer, and saying them plainly.

docs/design.md: invited → countered ⇄ invited → accepted | declined → contracted → in progress →
completed | cancelled. The brand may also withdraw an open offer, and re-offer after a decline
or withdrawal. The party who did not propose the terms on the table is the one who may accept
them: proposing is agreeing to your own proposal, so "both accepted" is an acceptance.
Pure functions only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

from shared.campaigns.rules import DELIVERABLE_KINDS, KIND_LABELS, PLATFORMS, parse_date, platform_label
from shared.creators.rules import from_minor_units
from shared.dates import format_day
from shared.errors import IllegalTransition
from shared.identity.rules import Role
from shared.money import format_money, to_minor_units
from shared.rights.rules import Rights, describe_rights, diff_rights, parse_rights, rights_to_form

Party = Literal["brand", "creator"]


class Status(StrEnum):
    INVITED = "invited"  # the brand's terms wait for the creator
    COUNTERED = "countered"  # the creator's terms wait for the brand
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CONTRACTED = "contracted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    Status.INVITED: "Offer sent",
    Status.COUNTERED: "Counter-offer",
    Status.ACCEPTED: "Accepted",
    Status.DECLINED: "Declined",
    Status.WITHDRAWN: "Withdrawn",
    Status.CONTRACTED: "Contracted",
    Status.IN_PROGRESS: "In progress",
    Status.COMPLETED: "Completed",
    Status.CANCELLED: "Cancelled",
}

OPEN = frozenset({Status.INVITED, Status.COUNTERED})
# The deal exists: terms are frozen and deliverables are owed.
AGREED = frozenset({Status.ACCEPTED, Status.CONTRACTED, Status.IN_PROGRESS, Status.COMPLETED})
# An agreed deal the brand can still call off (a completed one is history).
CANCELLABLE_DEALS = (Status.ACCEPTED, Status.CONTRACTED, Status.IN_PROGRESS)
# Counted as committed spend against the campaign budget.
COMMITTED = AGREED

Verb = Literal["offer", "accept", "counter", "decline", "withdraw", "cancel"]

# (party, verb) -> {from status: to status}. Anything not listed is refused.
TRANSITIONS: dict[tuple[Party, Verb], dict[Status, Status]] = {
    ("brand", "offer"): {Status.DECLINED: Status.INVITED, Status.WITHDRAWN: Status.INVITED},
    ("creator", "accept"): {Status.INVITED: Status.ACCEPTED},
    ("brand", "accept"): {Status.COUNTERED: Status.ACCEPTED},
    ("creator", "counter"): {Status.INVITED: Status.COUNTERED},
    ("brand", "counter"): {Status.COUNTERED: Status.INVITED},
    ("creator", "decline"): {Status.INVITED: Status.DECLINED, Status.COUNTERED: Status.DECLINED},
    ("brand", "withdraw"): {Status.INVITED: Status.WITHDRAWN, Status.COUNTERED: Status.WITHDRAWN},
    ("brand", "cancel"): {s: Status.CANCELLED for s in CANCELLABLE_DEALS},
}

_WHY_NOT = {
    Status.INVITED: "the offer is waiting for the creator's answer",
    Status.COUNTERED: "the creator's counter-offer is waiting for the brand's answer",
    Status.ACCEPTED: "it was already accepted and its terms are frozen",
    Status.DECLINED: "it was declined",
    Status.WITHDRAWN: "the brand withdrew it",
    Status.CONTRACTED: "it is under contract",
    Status.IN_PROGRESS: "the work is in progress",
    Status.COMPLETED: "it is completed",
    Status.CANCELLED: "it was cancelled",
}
_VERB_TEXT = {
    "offer": "send a new offer",
    "accept": "accept it",
    "counter": "counter it",
    "decline": "decline it",
    "withdraw": "withdraw it",
    "cancel": "cancel it",
}


def next_status(current: str, party: Party, verb: Verb) -> Status:
    """The status after `party` does `verb`; IllegalTransition with a plain reason when not allowed."""
    status = Status(current)
    moves = TRANSITIONS.get((party, verb), {})
    if status not in moves:
        raise IllegalTransition(f"You can't {_VERB_TEXT[verb]}: {_WHY_NOT[status]}.")
    return moves[status]


def status_when_contract_executed(current: str) -> Status:
    """accepted → contracted, when both sides have signed the contract (shared.contracts); an amendment
    executed later leaves a deal already under way where it is."""
    status = Status(current)
    if status == Status.ACCEPTED:
        return Status.CONTRACTED
    if status in (Status.CONTRACTED, Status.IN_PROGRESS, Status.COMPLETED):
        return status
    raise IllegalTransition(f"The contract can't take effect: {_WHY_NOT[status]}.")


def allowed_verbs(current: str, party: Party) -> set[str]:
    """What this party may do now (the buttons a page shows)."""
    status = Status(current)
    return {verb for (who, verb), moves in TRANSITIONS.items() if who == party and status in moves}


def can_negotiate(role: Role | None) -> bool:
    """Owners and managers speak for the brand in offers; reviewers, finance and viewers look."""
    return role in (Role.OWNER, Role.MANAGER)


def can_see_shipping_address(role: Role | None) -> bool:
    """A creator's home address is shown only to the people who ship to them."""
    return role in (Role.OWNER, Role.MANAGER)


# --- terms --------------------------------------------------------------------------------------

MILESTONES = ("signing", "approval", "go_live")
MILESTONE_LABELS = {
    "signing": "on signing",
    "approval": "when the draft is approved",
    "go_live": "when the post goes live",
    "bonus": "bonus",
}
DELIVERABLES_MAX = 5
REVISION_ROUNDS_MAX = 10
REVIEW_DAYS_MAX = 30
NOTE_MAX = 2000
TEXT_MAX = 1000


@dataclass(frozen=True)
class DeliverableTerm:
    kind: str
    platform: str
    title: str
    draft_due: dt.date | None
    live_due: dt.date

    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} on {platform_label(self.platform)}"


@dataclass(frozen=True)
class Payment:
    milestone: str  # signing | approval | go_live | bonus
    amount_minor: int
    condition: str = ""  # what earns a bonus


@dataclass(frozen=True)
class Terms:
    """What one side proposes: stored as JSON on the collaboration and on every offer revision."""

    deliverables: tuple[DeliverableTerm, ...]
    fee_minor: int
    currency: str
    payments: tuple[Payment, ...]  # the fee split by milestone (sums to fee_minor), plus any bonus
    product: str = ""  # product seeding: what the brand ships ('' = none)
    usage_rights: str = ""
    exclusivity: str = ""
    revision_rounds: int = 2
    review_days: int = 3  # the brand's promised review turnaround, in days
    split: tuple[int, int, int] = field(default=(50, 0, 50))  # percent on signing / approval / go-live
    rights: Rights | None = None  # structured usage rights (shared.rights); None in offers made before them

    @property
    def bonus(self) -> Payment | None:
        return next((p for p in self.payments if p.milestone == "bonus"), None)

    @property
    def max_total_minor(self) -> int:
        bonus = self.bonus
        return self.fee_minor + (bonus.amount_minor if bonus else 0)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "deliverables": [
                {
                    "kind": d.kind,
                    "platform": d.platform,
                    "title": d.title,
                    "draft_due": d.draft_due.isoformat() if d.draft_due else None,
                    "live_due": d.live_due.isoformat(),
                }
                for d in self.deliverables
            ],
            "fee_minor": self.fee_minor,
            "currency": self.currency,
            "payments": [
                {"milestone": p.milestone, "amount_minor": p.amount_minor, "condition": p.condition}
                for p in self.payments
            ],
            "split": list(self.split),
            "product": self.product,
            "usage_rights": self.usage_rights,
            "exclusivity": self.exclusivity,
            "revision_rounds": self.revision_rounds,
            "review_days": self.review_days,
        }
        if self.rights is not None:  # absent, not null, so terms without rights keep their JSON
            data["rights"] = self.rights.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Terms:
        split = data.get("split") or [50, 0, 50]
        return cls(
            deliverables=tuple(
                DeliverableTerm(
                    d["kind"],
                    d["platform"],
                    d.get("title", ""),
                    dt.date.fromisoformat(d["draft_due"]) if d.get("draft_due") else None,
                    dt.date.fromisoformat(d["live_due"]),
                )
                for d in data.get("deliverables", [])
            ),
            fee_minor=int(data.get("fee_minor", 0)),
            currency=str(data.get("currency", "USD")),
            payments=tuple(
                Payment(p["milestone"], int(p["amount_minor"]), p.get("condition", ""))
                for p in data.get("payments", [])
            ),
            product=data.get("product", ""),
            usage_rights=data.get("usage_rights", ""),
            exclusivity=data.get("exclusivity", ""),
            revision_rounds=int(data.get("revision_rounds", 2)),
            review_days=int(data.get("review_days", 3)),
            split=(int(split[0]), int(split[1]), int(split[2])),
            rights=Rights.from_json(data.get("rights")),
        )


def split_fee(fee_minor: int, percents: tuple[int, int, int]) -> tuple[Payment, ...]:
    """The fee cut into milestone payments by percent, exactly: rounding leftovers go to the last one."""
    parts = [(milestone, pct) for milestone, pct in zip(MILESTONES, percents, strict=True) if pct > 0]
    payments = [Payment(milestone, fee_minor * pct // 100) for milestone, pct in parts]
    if payments:
        leftover = fee_minor - sum(p.amount_minor for p in payments)
        last = payments[-1]
        payments[-1] = replace(last, amount_minor=last.amount_minor + leftover)
    return tuple(payments)


def _int_field(form: Mapping[str, str], key: str, default: int) -> int | None:
    raw = form.get(key, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def parse_terms(
    form: Mapping[str, str], *, currency: str, today: dt.date, base: Terms | None = None
) -> tuple[Terms | None, dict[str, str]]:
    """Terms from an offer or counter form, or field errors. Fields the form leaves out keep `base`'s values
    (a creator's counter changes fee, dates and deliverables; the rest of the brand's terms stand)."""
    errors: dict[str, str] = {}

    def given(key: str) -> bool:
        return key in form

    deliverables: list[DeliverableTerm] = []
    if any(key.startswith("d0_") for key in form) or base is None:
        for index in range(DELIVERABLES_MAX):
            values = {name: form.get(f"d{index}_{name}", "").strip() for name in ("kind", "platform", "title")}
            dates = {name: form.get(f"d{index}_{name}", "").strip() for name in ("draft_due", "live_due")}
            if not any(values.values()) and not any(dates.values()):
                continue
            key = f"d{index}"
            if values["kind"] not in DELIVERABLE_KINDS or values["platform"] not in PLATFORMS:
                errors[key] = "Choose what to make and on which platform."
                continue
            try:
                draft_due = parse_date(dates["draft_due"])
                live_due = parse_date(dates["live_due"])
            except ValueError as exc:
                errors[key] = str(exc)
                continue
            if live_due is None:
                errors[key] = "Give the go-live date."
            elif live_due < today:
                errors[key] = "The go-live date is in the past."
            elif draft_due is not None and draft_due > live_due:
                errors[key] = "The draft is due after the go-live date; the draft comes first."
            elif draft_due is not None and draft_due < today:
                errors[key] = "The draft due date is in the past."
            if key not in errors and live_due is not None:
                deliverables.append(
                    DeliverableTerm(values["kind"], values["platform"], values["title"][:200], draft_due, live_due)
                )
        if not deliverables and not any(k.startswith("d") and k[1:].isdigit() for k in errors):
            errors["deliverables"] = "Add at least one deliverable with its platform and go-live date."
    else:
        deliverables = list(base.deliverables)

    fee_minor = base.fee_minor if base else 0
    if given("fee") or base is None:
        try:
            fee_minor = to_minor_units(form.get("fee", "") or "", currency)
        except ValueError as exc:
            errors["fee"] = "Enter the fee, like 1200 or 1200.00." if not form.get("fee", "").strip() else str(exc)
        else:
            if fee_minor == 0 and not form.get("product", base.product if base else "").strip():
                errors["fee"] = "Offer a fee, or product seeding for a product-only collaboration."

    split = base.split if base else (50, 0, 50)
    if any(given(f"pay_{m}") for m in MILESTONES):
        percents = [_int_field(form, f"pay_{m}", 0) for m in MILESTONES]
        if any(p is None or p < 0 for p in percents):
            errors["split"] = "Enter whole percentages, like 50."
        elif sum(p or 0 for p in percents) != 100:
            errors["split"] = f"The payment split adds up to {sum(p or 0 for p in percents)}%; make it 100%."
        else:
            split = (percents[0] or 0, percents[1] or 0, percents[2] or 0)

    bonus = base.bonus if base else None
    if given("bonus") or given("bonus_condition"):
        bonus = None
        bonus_text, condition = form.get("bonus", "").strip(), form.get("bonus_condition", "").strip()
        if bonus_text:
            try:
                amount = to_minor_units(bonus_text, currency)
            except ValueError as exc:
                errors["bonus"] = str(exc)
            else:
                if amount and not condition:
                    errors["bonus_condition"] = "Say what earns the bonus, like “100k views in 30 days”."
                elif amount:
                    bonus = Payment("bonus", amount, condition[:TEXT_MAX])

    texts: dict[str, str] = {}
    for key in ("product", "usage_rights", "exclusivity"):
        texts[key] = form.get(key, "").strip() if given(key) or base is None else getattr(base, key)
        if len(texts[key]) > TEXT_MAX:
            errors[key] = f"Keep this under {TEXT_MAX} characters."

    revision_rounds = _int_field(form, "revision_rounds", base.revision_rounds if base else 2)
    if revision_rounds is None or not 0 <= revision_rounds <= REVISION_ROUNDS_MAX:
        errors["revision_rounds"] = f"Enter a number of revision rounds from 0 to {REVISION_ROUNDS_MAX}."
    review_days = _int_field(form, "review_days", base.review_days if base else 3)
    if review_days is None or not 1 <= review_days <= REVIEW_DAYS_MAX:
        errors["review_days"] = f"Promise a review within 1 to {REVIEW_DAYS_MAX} days."

    rights = base.rights if base else None
    if given("rights_where") or base is None:
        earliest = min((d.live_due for d in deliverables), default=None)
        rights, rights_errors = parse_rights(form, today=today, earliest_live=earliest)
        errors.update(rights_errors)

    if errors:
        return None, errors
    payments = split_fee(fee_minor, split) + ((bonus,) if bonus else ())
    return (
        Terms(
            deliverables=tuple(deliverables),
            fee_minor=fee_minor,
            currency=currency,
            payments=payments,
            product=texts["product"],
            usage_rights=texts["usage_rights"],
            exclusivity=texts["exclusivity"],
            revision_rounds=revision_rounds or 0,
            review_days=review_days or 3,
            split=split,
            rights=rights,
        ),
        {},
    )


def terms_to_form(terms: Terms) -> dict[str, str]:
    """The form fields that reproduce these terms (a counter-offer starts from what is on the table)."""
    form: dict[str, str] = {
        "fee": from_minor_units(terms.fee_minor, terms.currency),
        "product": terms.product,
        "usage_rights": terms.usage_rights,
        "exclusivity": terms.exclusivity,
        "revision_rounds": str(terms.revision_rounds),
        "review_days": str(terms.review_days),
        **rights_to_form(terms.rights),
    }
    for milestone, pct in zip(MILESTONES, terms.split, strict=True):
        form[f"pay_{milestone}"] = str(pct)
    bonus = terms.bonus
    form["bonus"] = from_minor_units(bonus.amount_minor, terms.currency) if bonus else ""
    form["bonus_condition"] = bonus.condition if bonus else ""
    for index, item in enumerate(terms.deliverables):
        form[f"d{index}_kind"] = item.kind
        form[f"d{index}_platform"] = item.platform
        form[f"d{index}_title"] = item.title
        form[f"d{index}_draft_due"] = item.draft_due.isoformat() if item.draft_due else ""
        form[f"d{index}_live_due"] = item.live_due.isoformat()
    return form


def describe_terms(terms: Terms, *, to: Party = "creator") -> list[str]:
    """The terms as plain sentences, addressed to the creator ("you") or about them (brand side)."""
    you, get = ("You", "get") if to == "creator" else ("The creator", "gets")
    lines: list[str] = []
    for item in terms.deliverables:
        draft = f"draft by {format_day(item.draft_due)}, " if item.draft_due else ""
        title = f" — “{item.title}”" if item.title else ""
        lines.append(f"{item.label()}{title}: {draft}live by {format_day(item.live_due)}.")
    if terms.fee_minor:
        parts = [
            f"{format_money(p.amount_minor, terms.currency)} {MILESTONE_LABELS[p.milestone]}"
            for p in terms.payments
            if p.milestone != "bonus"
        ]
        lines.append(f"{you} {get} {format_money(terms.fee_minor, terms.currency)}: {', '.join(parts)}.")
    bonus = terms.bonus
    if bonus:
        lines.append(f"Bonus of {format_money(bonus.amount_minor, terms.currency)} if {bonus.condition}.")
    if terms.product:
        lines.append(f"Product sent to {'you' if to == 'creator' else 'them'} free: {terms.product}.")
    rounds = terms.revision_rounds
    lines.append(
        f"{rounds} round{'s' if rounds != 1 else ''} of changes included; "
        f"the brand reviews each draft within {terms.review_days} day{'s' if terms.review_days != 1 else ''}."
    )
    if terms.rights is not None:
        lines.extend(describe_rights(terms.rights))
    if terms.usage_rights:
        lines.append(f"Usage rights{' (also)' if terms.rights else ''}: {terms.usage_rights}.")
    if terms.exclusivity:
        lines.append(f"Exclusivity: {terms.exclusivity}.")
    return [line.replace("..", ".") for line in lines]


def _bonus_text(bonus: Payment | None, currency: str) -> str:
    return f"{format_money(bonus.amount_minor, currency)} if {bonus.condition}" if bonus else "none"


def diff_terms(before: Terms, after: Terms) -> list[str]:
    """What a counter-offer changed, one line each ("Fee: $1,000.00 → $1,200.00")."""
    changes: list[str] = []
    if before.fee_minor != after.fee_minor:
        changes.append(
            f"Fee: {format_money(before.fee_minor, before.currency)} → {format_money(after.fee_minor, after.currency)}"
        )
    if before.split != after.split:
        changes.append(f"Payment split: {'/'.join(map(str, before.split))}% → {'/'.join(map(str, after.split))}%")
    old_bonus, new_bonus = before.bonus, after.bonus
    if old_bonus != new_bonus:
        changes.append(f"Bonus: {_bonus_text(old_bonus, after.currency)} → {_bonus_text(new_bonus, after.currency)}")
    old_items = {(d.kind, d.platform): d for d in before.deliverables}
    new_items = {(d.kind, d.platform): d for d in after.deliverables}
    for key, item in new_items.items():
        old = old_items.get(key)
        if old is None:
            changes.append(f"Added: {item.label()}, live by {format_day(item.live_due)}")
        else:
            if old.draft_due != item.draft_due:
                changes.append(f"{item.label()} draft due: {format_day(old.draft_due)} → {format_day(item.draft_due)}")
            if old.live_due != item.live_due:
                changes.append(f"{item.label()} go-live: {format_day(old.live_due)} → {format_day(item.live_due)}")
    changes.extend(f"Removed: {item.label()}" for key, item in old_items.items() if key not in new_items)
    labels = {
        "product": "Product",
        "usage_rights": "Usage rights",
        "exclusivity": "Exclusivity",
        "revision_rounds": "Revision rounds",
        "review_days": "Review turnaround (days)",
    }
    for attr, label in labels.items():
        if getattr(before, attr) != getattr(after, attr):
            changes.append(f"{label}: {getattr(before, attr) or 'none'} → {getattr(after, attr) or 'none'}")
    changes.extend(diff_rights(before.rights, after.rights))
    return changes


def deliverable_due_on(draft_due: dt.date | None, live_due: dt.date | None, status: str) -> dt.date | None:
    """The date that matters next for a deliverable: the draft's due date until it is approved, then go-live."""
    if status in ("pending", "draft_submitted", "changes_requested"):
        return draft_due or live_due
    if status == "approved":
        return live_due
    return None
