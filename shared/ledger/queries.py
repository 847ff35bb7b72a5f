"""Reading the ledger: balances derived from entries, the journals of a payable, whole-ledger checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.db.engine import get_engine


@dataclass(frozen=True)
class Balance:
    code: str
    kind: str
    currency: str
    balance_minor: int


@dataclass(frozen=True)
class JournalLine:
    journal_id: int
    kind: str
    created_at: dt.datetime
    description: str
    stripe_object: str
    account_code: str
    amount_minor: int
    currency: str


async def list_balances(brand_id: int) -> list[Balance]:
    rows = await get_engine().fetch(
        """
        SELECT a.code, a.kind, a.currency, coalesce(sum(e.amount_minor), 0)::bigint AS balance
        FROM ledger_account a LEFT JOIN ledger_entry e ON e.account = a.id
        WHERE a.brand = $1 GROUP BY a.id ORDER BY a.currency, a.code
        """,
        brand_id,
    )
    return [Balance(r["code"], r["kind"], r["currency"], int(r["balance"])) for r in rows]


async def list_payable_journals(payable_id: int) -> list[JournalLine]:
    """Every entry posted for a payable, oldest first: the trail from accrual to payout."""
    rows = await get_engine().fetch(
        """
        SELECT j.id, j.kind, j.created_at, j.description, j.stripe_object, a.code, e.amount_minor, e.currency
        FROM ledger_journal j JOIN ledger_entry e ON e.journal = j.id JOIN ledger_account a ON a.id = e.account
        WHERE j.payable = $1 ORDER BY j.id, e.id
        """,
        payable_id,
    )
    return [
        JournalLine(
            int(r["id"]),
            r["kind"],
            r["created_at"],
            r["description"],
            r["stripe_object"],
            r["code"],
            int(r["amount_minor"]),
            r["currency"],
        )
        for r in rows
    ]


async def count_unbalanced_journals() -> int:
    rows = await get_engine().fetch(
        "SELECT count(*) AS n FROM (SELECT journal, currency FROM ledger_entry GROUP BY journal, currency "
        "HAVING sum(amount_minor) <> 0) x"
    )
    return int(rows[0]["n"])
