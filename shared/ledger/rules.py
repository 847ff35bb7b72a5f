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

AccountKind = Literal["platform_balance", "expense", "payable", "in_transit", "manual", "fees"]
JournalKind = Literal["accrued", "transfer_sent", "paid_out", "reversed", "clawed_back", "manual_paid", "cancelled"]

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


def balanced(lines: tuple[Line, ...]) -> bool:
    return bool(lines) and sum(line.amount_minor for line in lines) == 0


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


def bound_broken(kind: str, balance: int) -> bool:
    sign = BOUNDED.get(kind)
    return sign is not None and balance * sign < 0
