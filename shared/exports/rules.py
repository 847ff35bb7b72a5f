"""What an export is, in pure functions: its kinds and columns, periods, exact decimal amounts, file names.

Money leaves Rapport as decimal major units written from integer minor units with `Decimal` (never a float):
125050 USD -> "1250.50", 1250 JPY -> "1250". The columns are documented in docs/exports.md.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from shared.money import minor_digits


class Kind(StrEnum):
    PAYABLES = "payables"
    LEDGER = "ledger"
    STATEMENT = "statement"


class State(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


KIND_LABELS: dict[str, str] = {
    Kind.PAYABLES: "Payables and payouts",
    Kind.LEDGER: "General-ledger journal",
    Kind.STATEMENT: "Creator statement",
}
STATE_LABELS: dict[str, str] = {
    State.QUEUED: "Waiting for a worker",
    State.RUNNING: "Being made",
    State.DONE: "Ready",
    State.FAILED: "Failed",
}

PAYABLES_COLUMNS = (
    "payable", "creator", "creator_name", "campaign", "milestone", "milestone_date", "due_on", "status", "amount",
    "currency", "method", "approved_at", "released_at", "sent_at", "paid_at", "transfer_reference", "payout_reference",
)  # fmt: skip
LEDGER_COLUMNS = ("date", "journal", "account", "debit", "credit", "currency", "reference", "description", "kind")
STATEMENT_COLUMNS = (
    "date", "currency", "entry", "payable", "campaign", "milestone", "reference", "owed", "paid", "balance_owed",
)  # fmt: skip
COLUMNS: dict[str, tuple[str, ...]] = {
    Kind.PAYABLES: PAYABLES_COLUMNS,
    Kind.LEDGER: LEDGER_COLUMNS,
    Kind.STATEMENT: STATEMENT_COLUMNS,
}

# The longest period one export may cover: a few years of books, enough for any audit.
MAX_PERIOD_DAYS = 5 * 366
# Rows per database fetch: the generator never holds more than one page.
PAGE_SIZE = 2_000
CONTENT_TYPE = "text/csv; charset=utf-8"

# What each ledger event means on a creator's statement (shared.ledger.rules.payable_lines says what it posts).
STATEMENT_ENTRIES: dict[str, str] = {
    "accrued": "owed",
    "paid_out": "paid",
    "manual_paid": "paid",
    "clawed_back": "payment reversed",
    "cancelled": "cancelled",
}
PAYMENT_KINDS = frozenset({"paid_out", "manual_paid"})


def decimal_amount(minor: int, currency: str) -> str:
    """Integer minor units as exact decimal major units: 125050 USD -> '1250.50', -5 USD -> '-0.05'."""
    digits = minor_digits(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def debit_credit(amount_minor: int, currency: str) -> tuple[str, str]:
    """A ledger entry (debit > 0, credit < 0) as the two columns accounting tools import; the other one empty."""
    if amount_minor >= 0:
        return decimal_amount(amount_minor, currency), ""
    return "", decimal_amount(-amount_minor, currency)


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar month before `today`'s: the period finance usually closes."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def calendar_year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Dates are UTC days, both included: [start 00:00 UTC, the day after end 00:00 UTC)."""
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC),
    )


def validate_request(
    kind: str, start: dt.date | None, end: dt.date | None, creator_id: int | None, today: dt.date
) -> dict[str, str]:
    """Field -> message for a request finance can't have meant."""
    errors: dict[str, str] = {}
    if kind not in KIND_LABELS:
        errors["kind"] = "Choose what to export."
    if start is None:
        errors["start"] = "Enter the first day of the period."
    if end is None:
        errors["end"] = "Enter the last day of the period."
    if start is not None and end is not None:
        if end < start:
            errors["end"] = "The period ends before it starts."
        elif (end - start).days >= MAX_PERIOD_DAYS:
            errors["end"] = "An export covers at most five years."
        elif start > today:
            errors["start"] = "The period starts in the future: there is nothing to export yet."
    if kind == Kind.STATEMENT and creator_id is None:
        errors["creator"] = "Choose the creator whose statement to make."
    return errors


def export_filename(kind: str, brand_slug: str, start: dt.date, end: dt.date, creator_id: int | None = None) -> str:
    who = f"-creator-{creator_id}" if creator_id is not None else ""
    return f"{brand_slug}-{kind}{who}-{start.isoformat()}-to-{end.isoformat()}.csv"


def storage_key(brand_id: int, export_id: int, filename: str) -> str:
    return f"brands/{brand_id}/exports/{export_id}/{filename}"


def progress_percent(rows_written: int, rows_total: int | None) -> int:
    if not rows_total:
        return 0
    return min(100, rows_written * 100 // rows_total)


EXPORT_TASK = "generate_export"  # shared/exports/tasks.py (added to shared.jobs without a namespace)
EXPORT_ROLES = ("owner", "finance")  # who may ask for and download a brand's exports


def can_export(role: str | None) -> bool:
    return role in EXPORT_ROLES
