"""Exports' pure rules: exact decimal amounts from minor units, debit/credit columns, periods, validation."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.exports.rows import text
from shared.exports.rules import debit_credit, decimal_amount, last_month, period_bounds, validate_request

TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (125_050, "USD", "1250.50"),
        (5, "USD", "0.05"),
        (-5, "USD", "-0.05"),
        (0, "EUR", "0.00"),
        (1_250, "JPY", "1250"),  # no minor unit
        (9_007_199_254_740_993, "USD", "90071992547409.93"),  # beyond a float's exact integers: still exact
    ],
)
def test_it_writes_amounts_exactly(minor: int, currency: str, expected: str) -> None:
    assert decimal_amount(minor, currency) == expected


def test_it_puts_each_entry_on_one_side() -> None:
    assert debit_credit(60_000, "USD") == ("600.00", "")
    assert debit_credit(-60_000, "USD") == ("", "600.00")


def test_last_month_crosses_the_year() -> None:
    assert last_month(TODAY) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert last_month(dt.date(2027, 1, 15)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert last_month(dt.date(2028, 3, 1)) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))


def test_a_period_includes_its_last_day() -> None:
    since, until = period_bounds(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert (since.isoformat(), until.isoformat()) == ("2026-10-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00")


@pytest.mark.parametrize(
    ("kind", "start", "end", "creator", "fields"),
    [
        ("ledger", dt.date(2026, 10, 1), dt.date(2026, 10, 31), None, set()),
        ("statement", dt.date(2026, 1, 1), dt.date(2026, 12, 31), 7, set()),
        ("statement", dt.date(2026, 1, 1), dt.date(2026, 12, 31), None, {"creator"}),
        ("nonsense", dt.date(2026, 1, 1), dt.date(2026, 1, 2), None, {"kind"}),
        ("ledger", None, None, None, {"start", "end"}),
        ("ledger", dt.date(2026, 10, 31), dt.date(2026, 10, 1), None, {"end"}),
        ("ledger", dt.date(2020, 1, 1), dt.date(2026, 1, 1), None, {"end"}),  # more than five years
        ("payables", dt.date(2026, 12, 1), dt.date(2026, 12, 31), None, {"start"}),  # in the future
    ],
)
def test_it_refuses_what_finance_cannot_have_meant(
    kind: str, start: dt.date | None, end: dt.date | None, creator: int | None, fields: set[str]
) -> None:
    assert set(validate_request(kind, start, end, creator, TODAY)) == fields


def test_free_text_never_runs_as_a_spreadsheet_formula() -> None:
    assert text('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert text("@SUM(A1)") == "'@SUM(A1)" and text("Alice") == "Alice" and text(None) == ""
