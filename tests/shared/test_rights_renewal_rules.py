"""The renewal's state machine, table-driven: who may do what from each state, and what a counter changed."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.errors import IllegalTransition
from shared.rights.rules import (
    RENEWAL_LABELS,
    RENEWAL_OPEN,
    RENEWAL_STATUSES,
    counter_error,
    next_renewal_status,
    renewal_changes,
    renewal_verbs,
)

# (from, party, verb) -> to; every other combination is refused.
ALLOWED = {
    ("proposed", "creator", "accept"): "signing",
    ("proposed", "creator", "counter"): "countered",
    ("proposed", "creator", "decline"): "declined",
    ("countered", "brand", "accept"): "signing",
    ("countered", "brand", "counter"): "proposed",
    ("countered", "brand", "decline"): "declined",
    ("signing", "contract", "execute"): "executed",
    ("signing", "contract", "decline"): "declined",
    ("signing", "contract", "fail"): "cancelled",
}
PARTIES = ("brand", "creator", "contract")
VERBS = ("accept", "counter", "decline", "execute", "fail")


@pytest.mark.parametrize("status", RENEWAL_STATUSES)
@pytest.mark.parametrize("party", PARTIES)
@pytest.mark.parametrize("verb", VERBS)
def test_it_follows_the_table(status: str, party: str, verb: str) -> None:
    expected = ALLOWED.get((status, party, verb))
    if expected is None:
        with pytest.raises(IllegalTransition, match="You can't"):
            next_renewal_status(status, party, verb)  # type: ignore[arg-type]
    else:
        assert next_renewal_status(status, party, verb) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "party", "verbs"),
    [
        ("proposed", "creator", {"accept", "counter", "decline"}),
        ("proposed", "brand", set()),
        ("countered", "brand", {"accept", "counter", "decline"}),
        ("countered", "creator", set()),
        ("signing", "brand", set()),
        ("signing", "creator", set()),
        ("executed", "brand", set()),
        ("declined", "creator", set()),
    ],
)
def test_it_offers_the_buttons_of_whose_turn_it_is(status: str, party: str, verbs: set[str]) -> None:
    assert renewal_verbs(status, party) == verbs  # type: ignore[arg-type]


def test_only_the_final_states_let_a_new_renewal_start() -> None:
    assert set(RENEWAL_OPEN) == {"proposed", "countered", "signing"}
    assert set(RENEWAL_LABELS) == set(RENEWAL_STATUSES)
    # The old end date stands in every state but executed: no state other than the contract's execution grants.
    assert [k for k, v in ALLOWED.items() if v == "executed"] == [("signing", "contract", "execute")]


JUN, SEP = dt.date(2027, 6, 1), dt.date(2027, 9, 1)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ((None, None), (JUN, "US$400.00"), []),  # no counter yet
        ((JUN, "US$400.00"), (SEP, "US$400.00"), ["Until: 1 Jun 2027 → 1 Sep 2027"]),
        ((JUN, "US$400.00"), (JUN, "US$600.00"), ["Fee: US$400.00 → US$600.00"]),
        (
            (JUN, "US$400.00"),
            (SEP, "US$600.00"),
            ["Until: 1 Jun 2027 → 1 Sep 2027", "Fee: US$400.00 → US$600.00"],
        ),
    ],
)
def test_it_says_what_a_counter_changed(
    before: tuple[dt.date | None, str | None], after: tuple[dt.date, str], expected: list[str]
) -> None:
    assert renewal_changes(before[0], after[0], before[1], after[1]) == expected


def test_a_counter_must_change_something() -> None:
    assert counter_error((JUN, 40_000), (JUN, 40_000)).startswith("Change the last day or the fee")
    assert counter_error((JUN, 40_000), (JUN, 40_001)) == ""
    assert counter_error((JUN, 40_000), (SEP, 40_000)) == ""
