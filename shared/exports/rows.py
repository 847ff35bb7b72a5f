"""The rows of each export, read from the database a page at a time (keyset pagination on an id): whatever the
period's size, one page of rows is in memory at once. Every value is already the text its CSV column holds."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

from shared.db.engine import get_engine
from shared.exports.rules import (
    PAGE_SIZE,
    PAYMENT_KINDS,
    STATEMENT_ENTRIES,
    Kind,
    debit_credit,
    decimal_amount,
    period_bounds,
)

Row = tuple[str, ...]
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text(value: str | None) -> str:
    """Free text (names, descriptions) made safe for spreadsheets: a leading = + - @ would run as a formula."""
    value = value or ""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def stamp(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else ""


def day(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date().isoformat()
    return value.isoformat()


@dataclass(frozen=True)
class Scope:
    """What one export covers: a brand, a period of UTC days (both included) and, for a statement, a creator."""

    kind: str
    brand_id: int
    start: dt.date
    end: dt.date
    creator_id: int | None = None


# --- payables and payouts ---------------------------------------------------------------------------------------

_PAYABLES_WHERE = """
    p.brand = $1 AND ((p.milestone_at >= $2 AND p.milestone_at < $3) OR (p.paid_at >= $2 AND p.paid_at < $3))
"""


async def _payable_pages(scope: Scope, page_size: int) -> AsyncIterator[list[Row]]:
    since, until = period_bounds(scope.start, scope.end)
    after = 0
    while True:
        records = await get_engine().fetch(
            f"""
            SELECT p.id, p.creator, c.display_name, k.name AS campaign, p.milestone, p.milestone_at, p.due_on,
                   p.status, p.amount_minor, p.currency, p.method, p.approved_at, p.released_at, p.sent_at,
                   p.paid_at, p.stripe_transfer_id, p.manual_reference, p.stripe_payout_id
            FROM payable p JOIN creator c ON c.id = p.creator JOIN campaign k ON k.id = p.campaign
            WHERE {_PAYABLES_WHERE} AND p.id > $4
            ORDER BY p.id LIMIT $5
            """,  # noqa: S608 - a constant
            scope.brand_id,
            since,
            until,
            after,
            page_size,
        )
        if not records:
            return
        yield [
            (
                str(r["id"]),
                str(r["creator"]),
                text(r["display_name"]),
                text(r["campaign"]),
                r["milestone"],
                day(r["milestone_at"]),
                day(r["due_on"]),
                r["status"],
                decimal_amount(int(r["amount_minor"]), r["currency"]),
                r["currency"],
                r["method"],
                stamp(r["approved_at"]),
                stamp(r["released_at"]),
                stamp(r["sent_at"]),
                stamp(r["paid_at"]),
                text(r["stripe_transfer_id"] or r["manual_reference"]),
                text(r["stripe_payout_id"]),
            )
            for r in records
        ]
        if len(records) < page_size:
            return
        after = int(records[-1]["id"])


# --- the general-ledger journal -----------------------------------------------------------------------------------


async def _ledger_pages(scope: Scope, page_size: int) -> AsyncIterator[list[Row]]:
    since, until = period_bounds(scope.start, scope.end)
    after = 0
    while True:
        records = await get_engine().fetch(
            """
            SELECT e.id, j.id AS journal, j.created_at, a.code, e.amount_minor, e.currency, j.key, j.description,
                   j.kind
            FROM ledger_entry e JOIN ledger_journal j ON j.id = e.journal JOIN ledger_account a ON a.id = e.account
            WHERE j.brand = $1 AND j.created_at >= $2 AND j.created_at < $3 AND e.id > $4
            ORDER BY e.id LIMIT $5
            """,
            scope.brand_id,
            since,
            until,
            after,
            page_size,
        )
        if not records:
            return
        page: list[Row] = []
        for r in records:
            debit, credit = debit_credit(int(r["amount_minor"]), r["currency"])
            page.append(
                (
                    day(r["created_at"]),
                    str(r["journal"]),
                    r["code"],
                    debit,
                    credit,
                    r["currency"],
                    text(r["key"]),
                    text(r["description"]),
                    r["kind"],
                )
            )
        yield page
        if len(records) < page_size:
            return
        after = int(records[-1]["id"])


# --- a creator's statement --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Account:
    id: int
    currency: str
    opening_minor: int  # what the brand owed the creator when the period began


async def _statement_accounts(scope: Scope) -> list[_Account]:
    since, _ = period_bounds(scope.start, scope.end)
    records = await get_engine().fetch(
        """
        SELECT a.id, a.currency,
               coalesce(sum(e.amount_minor) FILTER (WHERE j.created_at < $3), 0)::bigint AS before
        FROM ledger_account a
        LEFT JOIN ledger_entry e ON e.account = a.id LEFT JOIN ledger_journal j ON j.id = e.journal
        WHERE a.brand = $1 AND a.kind = 'payable' AND a.creator = $2
        GROUP BY a.id ORDER BY a.currency
        """,
        scope.brand_id,
        scope.creator_id,
        since,
    )
    # A payable account holds credits: what is owed is the negated balance.
    return [_Account(int(r["id"]), r["currency"], -int(r["before"])) for r in records]


def _statement_entry(kind: str, method: str) -> str:
    words = STATEMENT_ENTRIES.get(kind, kind)
    if kind == "manual_paid":
        return f"{words} ({method.replace('_', ' ')})"
    return words


async def _statement_pages(scope: Scope, page_size: int) -> AsyncIterator[list[Row]]:
    since, until = period_bounds(scope.start, scope.end)
    for account in await _statement_accounts(scope):
        currency = account.currency
        balance = account.opening_minor
        yield [
            (scope.start.isoformat(), currency, "opening balance", "", "", "", "", "", "",
             decimal_amount(balance, currency))
        ]  # fmt: skip
        after = 0
        while True:
            records = await get_engine().fetch(
                """
                SELECT e.id, e.amount_minor, j.created_at, j.kind, j.stripe_object, p.id AS payable,
                       k.name AS campaign, p.milestone, p.method, p.manual_reference
                FROM ledger_entry e JOIN ledger_journal j ON j.id = e.journal
                LEFT JOIN payable p ON p.id = j.payable LEFT JOIN campaign k ON k.id = p.campaign
                WHERE e.account = $1 AND j.created_at >= $2 AND j.created_at < $3 AND e.id > $4
                ORDER BY e.id LIMIT $5
                """,
                account.id,
                since,
                until,
                after,
                page_size,
            )
            page: list[Row] = []
            for r in records:
                change = -int(r["amount_minor"])  # a credit to the payable account: more is owed
                balance += change
                paid = r["kind"] in PAYMENT_KINDS
                reference = r["manual_reference"] if r["kind"] == "manual_paid" else r["stripe_object"]
                page.append(
                    (
                        day(r["created_at"]),
                        currency,
                        _statement_entry(r["kind"], r["method"] or ""),
                        str(r["payable"] or ""),
                        text(r["campaign"]),
                        r["milestone"] or "",
                        text(reference),
                        "" if paid else decimal_amount(change, currency),
                        decimal_amount(-change, currency) if paid else "",
                        decimal_amount(balance, currency),
                    )
                )
            if page:
                yield page
            if len(records) < page_size:
                break
            after = int(records[-1]["id"])
        yield [
            (scope.end.isoformat(), currency, "closing balance", "", "", "", "", "", "",
             decimal_amount(balance, currency))
        ]  # fmt: skip


def pages(scope: Scope, page_size: int = PAGE_SIZE) -> AsyncIterator[list[Row]]:
    """The export's rows, a page at a time (without the header)."""
    match scope.kind:
        case Kind.PAYABLES:
            return _payable_pages(scope, page_size)
        case Kind.LEDGER:
            return _ledger_pages(scope, page_size)
        case Kind.STATEMENT:
            return _statement_pages(scope, page_size)
    raise ValueError(scope.kind)


async def count_rows(scope: Scope) -> int:
    """How many rows the export will have (the progress bar's 100%), in one query."""
    since, until = period_bounds(scope.start, scope.end)
    engine = get_engine()
    match scope.kind:
        case Kind.PAYABLES:
            records = await engine.fetch(
                f"SELECT count(*) AS n FROM payable p WHERE {_PAYABLES_WHERE}",  # noqa: S608 - a constant
                scope.brand_id,
                since,
                until,
            )
        case Kind.LEDGER:
            records = await engine.fetch(
                "SELECT count(*) AS n FROM ledger_entry e JOIN ledger_journal j ON j.id = e.journal "
                "WHERE j.brand = $1 AND j.created_at >= $2 AND j.created_at < $3",
                scope.brand_id,
                since,
                until,
            )
        case _:
            records = await engine.fetch(
                """
                SELECT (SELECT count(*) FROM ledger_entry e JOIN ledger_journal j ON j.id = e.journal
                        JOIN ledger_account a ON a.id = e.account
                        WHERE a.brand = $1 AND a.kind = 'payable' AND a.creator = $4
                          AND j.created_at >= $2 AND j.created_at < $3)
                     + 2 * (SELECT count(*) FROM ledger_account
                            WHERE brand = $1 AND kind = 'payable' AND creator = $4) AS n
                """,
                scope.brand_id,
                since,
                until,
                scope.creator_id,
            )
    return int(records[0]["n"])
