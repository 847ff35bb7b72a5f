"""Reconciliation's rules, pure: periods, the one class every item lands in, who may do what, the summary.

An item is one Stripe object of a period (a transfer, a connected account's payout, a fee or conversion from the
balance) or one payable of ours that we think moved. Its class:

- matched: Stripe and our ledger say the same (id, amount, currency, state);
- stripe_only: Stripe moved money that no payable of ours explains (e.g. a transfer made in Stripe's dashboard);
- ours_only: we recorded a transfer Stripe does not have;
- differs: the same transfer, another amount or currency;
- reversed_failed: it moved, and was reversed (or its payout failed) since.

Every class but matched is a break; a break stays open until finance resolves it (a note, or a correcting
journal). A period closes once it has no open break.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from shared.identity.rules import Role
from shared.money import format_money


class Result(StrEnum):
    MATCHED = "matched"
    STRIPE_ONLY = "stripe_only"
    OURS_ONLY = "ours_only"
    DIFFERS = "differs"
    REVERSED_FAILED = "reversed_failed"


RESULT_LABELS: dict[str, str] = {
    Result.MATCHED: "Matched",
    Result.STRIPE_ONLY: "At Stripe only",
    Result.OURS_ONLY: "Ours only",
    Result.DIFFERS: "Amount or currency differs",
    Result.REVERSED_FAILED: "Reversed or failed since",
}
BREAKS: tuple[Result, ...] = (Result.STRIPE_ONLY, Result.OURS_ONLY, Result.DIFFERS, Result.REVERSED_FAILED)

KIND_LABELS = {"transfer": "Transfer", "payout": "Payout", "fee": "Stripe fee", "fx": "Currency conversion"}

NOTE_MAX = 2000
BREAKS_PER_PAGE = 50
# Our payables whose transfer Stripe has (and so can be compared): anything past "released".
SENT_STATES = ("transfer_sent", "paid_out", "failed", "reversed")
# Stripe balance transactions that are fees wherever they come from (besides a non-zero `fee` on any line).
FEE_TYPES = frozenset({"stripe_fee", "application_fee", "network_cost", "tax_fee"})


def can_reconcile(role: Role) -> bool:
    """Finance and owners run reconciliation, resolve breaks and close periods."""
    return role in (Role.FINANCE, Role.OWNER)


# -- periods: UTC calendar months -----------------------------------------------------------------------------
def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(start: dt.date) -> dt.date:
    return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def previous_month(start: dt.date) -> dt.date:
    return month_start(start.replace(day=1) - dt.timedelta(days=1))


def period_bounds(start: dt.date) -> tuple[int, int]:
    """Unix seconds [from, to) of a month, as Stripe's `created[gte]` / `created[lt]` take them."""
    begin = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(next_month(start), dt.time(), tzinfo=dt.UTC)
    return int(begin.timestamp()), int(end.timestamp())


def parse_period(text: str) -> dt.date | None:
    """'2026-11' → 1 Nov 2026; anything else → None."""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        return None


def period_label(start: dt.date) -> str:
    return start.strftime("%B %Y")


def period_slug(start: dt.date) -> str:
    return start.strftime("%Y-%m")


def close_refusal(*, state: str, ends_on: dt.date, today: dt.date, runs_done: int, open_breaks: int,
                  running: bool) -> str:  # fmt: skip
    """Why a period can't be closed now ('' when it can)."""
    if state == "closed":
        return "This period is closed already."
    if ends_on > today:
        return "A period can be closed once it has ended."
    if running:
        return "Reconciliation is running: close the period when it has finished."
    if runs_done == 0:
        return "Run reconciliation for this period first."
    if open_breaks:
        return f"{open_breaks} break{'s' if open_breaks != 1 else ''} still open: resolve each one first."
    return ""


# -- matching -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StripeTransfer:
    id: str
    amount: int
    amount_reversed: int
    currency: str  # upper case
    created: int


@dataclass(frozen=True)
class OurTransfer:
    payable_id: int
    brand_id: int
    amount: int
    currency: str
    status: str  # the payable's
    stripe_transfer_id: str


@dataclass(frozen=True)
class Verdict:
    result: Result
    detail: str


def classify_transfer(stripe: StripeTransfer | None, ours: OurTransfer | None) -> Verdict:
    """The class of a transfer, seen from both sides (one of them may be missing)."""
    if stripe is None and ours is None:
        raise ValueError("nothing to classify")
    if ours is None:
        assert stripe is not None
        return Verdict(Result.STRIPE_ONLY, "No payable in Rapport made or expects this transfer.")
    if stripe is None:
        return Verdict(Result.OURS_ONLY, f"Rapport recorded transfer {ours.stripe_transfer_id or '(none)'}, which "
                                         "Stripe does not have.")  # fmt: skip
    if stripe.currency != ours.currency or stripe.amount != ours.amount:
        return Verdict(
            Result.DIFFERS,
            f"Stripe moved {format_money(stripe.amount, stripe.currency)}; the payable is "
            f"{format_money(ours.amount, ours.currency)}.",
        )
    if stripe.amount_reversed:
        return Verdict(
            Result.REVERSED_FAILED,
            f"Stripe reversed {format_money(stripe.amount_reversed, stripe.currency)} of it"
            + (
                "; Rapport recorded the reversal."
                if ours.status == "reversed"
                else "; Rapport still counts it as sent."
            ),
        )
    if ours.status in ("failed", "reversed"):
        return Verdict(Result.REVERSED_FAILED, f"Rapport marked the payable {ours.status.replace('_', ' ')} since.")
    return Verdict(Result.MATCHED, "")


def classify_payout(status: str, failure_code: str) -> Verdict:
    """A creator's payout to their bank: matched unless it failed or was cancelled."""
    if status in ("failed", "canceled"):
        why = f" ({failure_code.replace('_', ' ')})" if failure_code else ""
        return Verdict(Result.REVERSED_FAILED, f"The payout to the creator's bank {status}{why}.")
    return Verdict(Result.MATCHED, "")


def can_correct(kind: str, result: str, payable_id: int | None, stripe_amount: int | None) -> bool:
    """Whether a correcting journal exists for this break (shared.reconciliation.actions.correction_lines): a
    transfer we know the payable of, a transfer or fee Stripe made alone; payouts are explained with a note."""
    if result == Result.MATCHED:
        return False
    if kind == "fee":
        return stripe_amount is not None
    if kind != "transfer":
        return False
    if result == Result.STRIPE_ONLY:
        return stripe_amount is not None
    return payable_id is not None


def is_fee(txn_type: str, fee: int) -> bool:
    return txn_type in FEE_TYPES or fee != 0


def fee_amount(txn_type: str, amount: int, fee: int) -> int:
    """What Stripe took, as a positive amount: a fee line's own amount, or the fee on another line."""
    return -amount if txn_type in FEE_TYPES else fee


def item_key(payable_id: int | None, stripe_id: str) -> str:
    """A payable's transfer is keyed by the payable (so a transfer found later replaces 'ours only' in place); any
    other item by its Stripe id."""
    return f"payable:{payable_id}" if payable_id is not None else stripe_id


# -- the summary -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SummaryCell:
    result: str
    currency: str
    count: int
    amount_minor: int


def summary_json(cells: list[SummaryCell]) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for cell in cells:
        out.setdefault(cell.result, {})[cell.currency] = {"count": cell.count, "amount_minor": cell.amount_minor}
    return out


def clean_note(text: str) -> str:
    return text.strip()[:NOTE_MAX]


def validate_note(text: str) -> dict[str, str]:
    note = text.strip()
    if not note:
        return {"note": "Say what explains this break."}
    if len(note) > NOTE_MAX:
        return {"note": f"Keep the note under {NOTE_MAX} characters."}
    return {}
