"""The ledger's accounts and the journals money events post: pure functions, no database.

Sign convention: a debit is positive, a credit negative; a journal's entries sum to zero per currency.
Accounts (per brand and currency): `platform_balance` (the brand's money at Stripe), `expense` (campaign
spend), `payable:<creator>` (what the brand owes a creator; never a debit balance: nobody is paid more than
they are owed), `in_transit:<creator>` (sent to the creator's Stripe account, not yet in their bank; never
a credit balance), `manual` (paid outside Stripe), `fees`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AccountKind = Literal["platform_balance", "expense", "payable", "in_transit", "manual", "fees", "fx"]
JournalKind = Literal[
    "accrued",
    "transfer_sent",
    "paid_out",
    "reversed",
    "clawed_back",
    "manual_paid",
    "cancelled",
    "fee",
    "fx",
    "correction",
]

# Accounts whose balance can't cross zero the wrong way: sign +1 = never below zero, -1 = never above zero.
BOUNDED: dict[str, int] = {"payable": -1, "in_transit": +1}


@dataclass(frozen=True)
class Account:
    kind: AccountKind
    creator_id: int | None = None

    @property
    def code(self) -> str:
        return f"{self.kind}:{self.creator_id}" if self.creator_id is not None else self.kind


@dataclass(frozen=True)
class Line:
    account: Account
    amount_minor: int  # debit > 0, credit < 0
    currency: str = ""  # '' = the journal's currency; an FX journal has lines in two


def balanced(lines: tuple[Line, ...]) -> bool:
    totals: dict[str, int] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, 0) + line.amount_minor
    return bool(lines) and not any(totals.values())


def payable_lines(kind: JournalKind, creator_id: int, amount_minor: int) -> tuple[Line, ...]:
    """The entries each money event of a payable posts."""
    payable = Account("payable", creator_id)
    in_transit = Account("in_transit", creator_id)
    a = amount_minor
    match kind:
        case "accrued":  # the milestone is reached: campaign spend, owed to the creator
            return (Line(Account("expense"), a), Line(payable, -a))
        case "transfer_sent":  # the brand's Stripe balance moves to the creator's connected account
            return (Line(in_transit, a), Line(Account("platform_balance"), -a))
        case "paid_out":  # Stripe paid it into the creator's bank: the debt is settled
            return (Line(payable, a), Line(in_transit, -a))
        case "reversed":  # the transfer came back to the platform balance; the creator is still owed
            return (Line(Account("platform_balance"), a), Line(in_transit, -a))
        case "clawed_back":  # reversed after it reached their bank: the money is back, and owed again
            return (Line(Account("platform_balance"), a), Line(payable, -a))
        case "manual_paid":  # paid by bank transfer or PayPal, outside Stripe
            return (Line(payable, a), Line(Account("manual"), -a))
        case "cancelled":  # not owed after all: the accrual is reversed
            return (Line(payable, a), Line(Account("expense"), -a))
    raise ValueError(kind)


def fee_lines(amount_minor: int) -> tuple[Line, ...]:
    """A Stripe fee taken from the platform balance (shared.reconciliation journals them from balance transactions)."""
    return (Line(Account("fees"), amount_minor), Line(Account("platform_balance"), -amount_minor))


def fx_lines(amount_minor: int, currency: str, settled_minor: int, settled_currency: str) -> tuple[Line, ...]:
    """Stripe converted a transfer: the platform balance paid `settled_minor` of its settlement currency rather than
    `amount_minor` of the transfer's (which the transfer's own journal credited). The `fx` account carries the
    conversion, balanced in each currency."""
    return (
        Line(Account("platform_balance"), amount_minor, currency),
        Line(Account("fx"), -amount_minor, currency),
        Line(Account("fx"), settled_minor, settled_currency),
        Line(Account("platform_balance"), -settled_minor, settled_currency),
    )


def reversing_lines(lines: tuple[Line, ...]) -> tuple[Line, ...]:
    """A correction: the same entries with their signs turned."""
    return tuple(Line(line.account, -line.amount_minor, line.currency) for line in lines)


def bound_broken(kind: str, balance: int) -> bool:
    sign = BOUNDED.get(kind)
    return sign is not None and balance * sign < 0
