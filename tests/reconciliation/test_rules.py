"""Reconciliation's rules as tables: every class a transfer can land in, payouts, fees, periods, closing."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.ledger.rules import balanced, fee_lines, fx_lines, reversing_lines
from shared.reconciliation.rules import (
    OurTransfer,
    Result,
    StripeTransfer,
    can_correct,
    classify_payout,
    classify_transfer,
    close_refusal,
    fee_amount,
    is_fee,
    item_key,
    next_month,
    parse_period,
    period_bounds,
    previous_month,
)

S = StripeTransfer("tr_1", 1000, 0, "USD", 0)
OURS = OurTransfer(7, 1, 1000, "USD", "transfer_sent", "tr_1")


@pytest.mark.parametrize(
    ("stripe", "ours", "expected"),
    [
        (S, OURS, Result.MATCHED),
        (S, OurTransfer(7, 1, 1000, "USD", "paid_out", "tr_1"), Result.MATCHED),
        (S, None, Result.STRIPE_ONLY),
        (None, OURS, Result.OURS_ONLY),
        (StripeTransfer("tr_1", 1001, 0, "USD", 0), OURS, Result.DIFFERS),
        (StripeTransfer("tr_1", 1000, 0, "EUR", 0), OURS, Result.DIFFERS),
        (StripeTransfer("tr_1", 1000, 1000, "USD", 0), OURS, Result.REVERSED_FAILED),
        (StripeTransfer("tr_1", 1000, 400, "USD", 0), OurTransfer(7, 1, 1000, "USD", "reversed", "tr_1"),
         Result.REVERSED_FAILED),
        (S, OurTransfer(7, 1, 1000, "USD", "failed", "tr_1"), Result.REVERSED_FAILED),
        # A different amount wins over a reversal: the amounts are what finance must explain first.
        (StripeTransfer("tr_1", 999, 999, "USD", 0), OURS, Result.DIFFERS),
    ],
)  # fmt: skip
def test_it_puts_every_transfer_in_exactly_one_class(
    stripe: StripeTransfer | None, ours: OurTransfer | None, expected: Result
) -> None:
    verdict = classify_transfer(stripe, ours)
    assert verdict.result is expected
    assert (verdict.detail == "") is (expected is Result.MATCHED)


def test_it_refuses_to_classify_nothing() -> None:
    with pytest.raises(ValueError):
        classify_transfer(None, None)


@pytest.mark.parametrize(
    ("status", "expected"),
    [("paid", Result.MATCHED), ("in_transit", Result.MATCHED), ("pending", Result.MATCHED),
     ("failed", Result.REVERSED_FAILED), ("canceled", Result.REVERSED_FAILED)],
)  # fmt: skip
def test_it_classes_payouts(status: str, expected: Result) -> None:
    assert classify_payout(status, "account_closed" if status == "failed" else "").result is expected


@pytest.mark.parametrize(
    ("txn_type", "amount", "fee", "is_a_fee", "taken"),
    [("stripe_fee", -200, 0, True, 200), ("application_fee", -50, 0, True, 50), ("transfer", -1000, 30, True, 30),
     ("transfer", -1000, 0, False, 0), ("payout", -500, 0, False, 0)],
)  # fmt: skip
def test_it_reads_fees_from_balance_transactions(txn_type: str, amount: int, fee: int, is_a_fee: bool,
                                                 taken: int) -> None:  # fmt: skip
    assert is_fee(txn_type, fee) is is_a_fee
    if is_a_fee:
        assert fee_amount(txn_type, amount, fee) == taken


def test_fee_fx_and_corrections_balance_per_currency() -> None:
    assert balanced(fee_lines(250))
    fx = fx_lines(1000, "EUR", 1085, "USD")
    assert balanced(fx)
    assert not balanced(fx[:3])
    assert balanced(reversing_lines(fx))


@pytest.mark.parametrize(
    ("kind", "result", "payable", "stripe_amount", "expected"),
    [("transfer", "stripe_only", None, 500, True), ("transfer", "ours_only", 7, None, True),
     ("transfer", "differs", 7, 501, True), ("transfer", "reversed_failed", 7, 500, True),
     ("transfer", "ours_only", None, None, False), ("payout", "reversed_failed", None, 500, False),
     ("fee", "stripe_only", 7, 125, True), ("transfer", "matched", 7, 500, False)],
)  # fmt: skip
def test_it_offers_a_correcting_journal_only_where_one_exists(
    kind: str, result: str, payable: int | None, stripe_amount: int | None, expected: bool
) -> None:
    assert can_correct(kind, result, payable, stripe_amount) is expected


def test_it_keys_a_payables_transfer_by_the_payable() -> None:
    assert item_key(12, "tr_x") == "payable:12"
    assert item_key(None, "tr_x") == "tr_x"


@pytest.mark.parametrize(
    ("start", "following", "before"),
    [(dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2025, 12, 1)),
     (dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2026, 11, 1)),
     (dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 1, 1))],
)  # fmt: skip
def test_periods_are_utc_months(start: dt.date, following: dt.date, before: dt.date) -> None:
    assert next_month(start) == following
    assert previous_month(start) == before
    begin, end = period_bounds(start)
    assert end - begin == (following - start).days * 86400
    assert parse_period(start.strftime("%Y-%m")) == start


@pytest.mark.parametrize("text", ["", "2026", "2026-13", "nov", "2026-11-01", "'; drop"])
def test_it_refuses_other_period_names(text: str) -> None:
    assert parse_period(text) is None


@pytest.mark.parametrize(
    ("state", "ended", "runs", "open_breaks", "running", "refused"),
    [("open", True, 1, 0, False, ""),
     ("closed", True, 1, 0, False, "closed already"),
     ("open", False, 1, 0, False, "once it has ended"),
     ("open", True, 0, 0, False, "Run reconciliation"),
     ("open", True, 1, 2, False, "2 breaks still open"),
     ("open", True, 1, 0, True, "running")],
)  # fmt: skip
def test_a_period_closes_only_when_reconciled_without_open_breaks(
    state: str, ended: bool, runs: int, open_breaks: int, running: bool, refused: str
) -> None:
    today = dt.date(2026, 11, 29)
    ends_on = dt.date(2026, 11, 1) if ended else dt.date(2026, 12, 1)
    why = close_refusal(state=state, ends_on=ends_on, today=today, runs_done=runs, open_breaks=open_breaks,
                        running=running)  # fmt: skip
    assert (why == "") is (refused == "")
    assert refused in why
