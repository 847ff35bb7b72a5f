"""Posting journals: idempotent by our own key, balanced (the database checks again at commit), append-only."""

from __future__ import annotations

import datetime as dt

import asyncpg

from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.ledger.rules import Account, JournalKind, Line, balanced, bound_broken


class LedgerError(RuntimeError):
    """A journal that would break the ledger's rules (unbalanced, or an account below its bound)."""


class PeriodClosed(LedgerError):
    """The journal would be dated inside a period finance has closed (the database's trigger refused it)."""


PERIOD_CLOSED_SQLSTATE = "RPC01"


async def _account_id(brand_id: int, currency: str, account: Account) -> int:
    engine = get_engine()
    rows = await engine.fetch(
        "INSERT INTO ledger_account (brand, currency, code, kind, creator) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (brand, currency, code) DO NOTHING RETURNING id",
        brand_id,
        currency,
        account.code,
        account.kind,
        account.creator_id,
    )
    if not rows:
        rows = await engine.fetch(
            "SELECT id FROM ledger_account WHERE brand = $1 AND currency = $2 AND code = $3",
            brand_id,
            currency,
            account.code,
        )
    return int(rows[0]["id"])


async def post_journal(
    *,
    key: str,
    brand_id: int,
    currency: str,
    kind: JournalKind,
    lines: tuple[Line, ...],
    payable_id: int | None = None,
    description: str = "",
    stripe_object: str = "",
    reverses: int | None = None,
    dated: dt.datetime | None = None,
) -> tuple[int, bool]:
    """Post a journal once: a second call with the same key returns the first one's id and False. `dated` (default:
    now) is when the money moved; a closed period refuses journals dated inside it (PeriodClosed)."""
    if not balanced(lines):
        raise LedgerError(f"journal {key} does not balance")
    engine = get_engine()
    async with atomic():
        try:
            inserted = await engine.fetch(
                "INSERT INTO ledger_journal (brand, key, kind, payable, reverses, description, stripe_object, "
                "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, now())) "
                "ON CONFLICT (key) DO NOTHING RETURNING id",
                brand_id,
                key,
                kind,
                payable_id,
                reverses,
                description,
                stripe_object,
                dated,
            )
        except asyncpg.PostgresError as exc:
            if getattr(exc, "sqlstate", "") == PERIOD_CLOSED_SQLSTATE:
                raise PeriodClosed(str(getattr(exc, "message", "") or exc)) from exc
            raise
        if not inserted:
            existing = await engine.fetch("SELECT id FROM ledger_journal WHERE key = $1", key)
            return int(existing[0]["id"]), False
        journal_id = int(inserted[0]["id"])
        for line in lines:
            line_currency = line.currency or currency
            account_id = await _account_id(brand_id, line_currency, line.account)
            await engine.fetch(
                "INSERT INTO ledger_entry (journal, account, amount_minor, currency) VALUES ($1, $2, $3, $4)",
                journal_id,
                account_id,
                line.amount_minor,
                line_currency,
            )
            if line.account.kind in ("payable", "in_transit"):
                total = await engine.fetch(
                    "SELECT coalesce(sum(amount_minor), 0)::bigint AS b FROM ledger_entry WHERE account = $1",
                    account_id,
                )
                if bound_broken(line.account.kind, int(total[0]["b"])):
                    raise LedgerError(f"journal {key} would leave {line.account.code} on the wrong side of zero")
        return journal_id, True
