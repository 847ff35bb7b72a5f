"""The terms of an offer: parsing, the exact fee split, saying them plainly, what a counter changed."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.collaborations.rules import (
    Terms,
    allowed_verbs,
    describe_terms,
    diff_terms,
    next_status,
    parse_terms,
    split_fee,
)
from shared.errors import IllegalTransition

TODAY = dt.date(2026, 12, 1)


def _form(**overrides: str) -> dict[str, str]:
    form = {
        "fee": "1000",
        "pay_signing": "33",
        "pay_approval": "33",
        "pay_go_live": "34",
        "d0_kind": "reel",
        "d0_platform": "instagram",
        "d0_draft_due": "2026-12-05",
        "d0_live_due": "2026-12-10",
    }
    return {**form, **overrides}


def test_it_splits_the_fee_exactly_in_minor_units() -> None:
    payments = split_fee(100_001, (33, 33, 34))
    assert [p.amount_minor for p in payments] == [33_000, 33_000, 34_001]
    assert sum(p.amount_minor for p in payments) == 100_001
    assert [p.milestone for p in split_fee(999, (0, 0, 100))] == ["go_live"]


def test_it_parses_terms_and_round_trips_them_through_json() -> None:
    terms, errors = parse_terms(_form(bonus="250", bonus_condition="50k views"), currency="USD", today=TODAY)
    assert errors == {} and terms is not None
    assert terms.fee_minor == 100_000 and terms.bonus is not None and terms.bonus.amount_minor == 25_000
    assert terms.max_total_minor == 125_000
    assert Terms.from_json(terms.to_json()) == terms


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"fee": ""}, "fee", "Enter the fee"),
        ({"pay_go_live": "40"}, "split", "adds up to 106%"),
        ({"d0_live_due": "2026-11-30"}, "d0", "in the past"),
        ({"d0_draft_due": "2026-12-12"}, "d0", "the draft comes first"),
        ({"d0_kind": "", "d0_platform": "", "d0_draft_due": "", "d0_live_due": ""}, "deliverables", "at least one"),
        ({"bonus": "10"}, "bonus_condition", "what earns the bonus"),
        ({"review_days": "0"}, "review_days", "1 to 30"),
    ],
)
def test_it_explains_what_is_wrong(overrides: dict[str, str], field: str, message: str) -> None:
    terms, errors = parse_terms(_form(**overrides), currency="USD", today=TODAY)
    assert terms is None and message in errors[field]


def test_it_keeps_the_brands_other_terms_in_a_creators_counter() -> None:
    base, _ = parse_terms(_form(usage_rights="90 days organic"), currency="USD", today=TODAY)
    assert base is not None
    counter, errors = parse_terms({"fee": "1200"}, currency="USD", today=TODAY, base=base)
    assert errors == {} and counter is not None
    assert counter.usage_rights == "90 days organic" and counter.deliverables == base.deliverables
    assert [p.amount_minor for p in counter.payments] == [39_600, 39_600, 40_800]
    assert diff_terms(base, counter) == ["Fee: US$1,000.00 → US$1,200.00"]


def test_it_says_the_terms_plainly_to_each_side() -> None:
    terms, _ = parse_terms(_form(), currency="EUR", today=TODAY)
    assert terms is not None
    assert (
        "You get €1,000.00: €330.00 on signing, €330.00 when the draft is approved, €340.00 when the post goes live."
        in (describe_terms(terms, to="creator"))
    )
    assert any(line.startswith("The creator gets €1,000.00") for line in describe_terms(terms, to="brand"))


def test_it_lets_only_the_other_side_answer() -> None:
    assert allowed_verbs("invited", "creator") == {"accept", "counter", "decline"}
    assert allowed_verbs("invited", "brand") == {"withdraw"}
    assert allowed_verbs("countered", "brand") == {"accept", "counter", "withdraw"}
    with pytest.raises(IllegalTransition, match="already accepted"):
        next_status("accepted", "creator", "counter")
    with pytest.raises(IllegalTransition, match="withdrew"):
        next_status("withdrawn", "creator", "accept")


def test_money_names_its_currency_where_a_bare_symbol_would_be_ambiguous() -> None:
    """Diego in Mexico reads "$9,000.00" as pesos: dollars and pesos always say whose."""
    from shared.money import format_money

    assert format_money(900_000, "USD") == "US$9,000.00"
    assert format_money(900_000, "MXN") == "MX$9,000.00"
    assert format_money(900_000, "EUR") == "€9,000.00"
    assert format_money(125_050, "CHF") == "CHF 1,250.50"
