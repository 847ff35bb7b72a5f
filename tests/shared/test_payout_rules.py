"""Payout account states in plain words, and Stripe's requirements as sentences."""

from __future__ import annotations

from shared.payouts.rules import AccountFacts, PayoutState, payout_state, requirement_sentences

US = ("US", "GB")


def state(facts: AccountFacts | None, country: str | None = "US") -> PayoutState:
    return payout_state(facts, country=country, supported_countries=US)


def test_it_names_each_state() -> None:
    assert state(None) is PayoutState.NOT_STARTED
    assert state(None, "KR") is PayoutState.UNSUPPORTED
    assert state(None, None) is PayoutState.NO_COUNTRY
    assert state(AccountFacts(False, False, ("individual.phone",), "requirements.past_due")) is PayoutState.IN_PROGRESS
    assert state(AccountFacts(True, False, ("individual.phone",), "requirements.past_due")) is PayoutState.NEEDS_INFO
    assert state(AccountFacts(True, True, (), None)) is PayoutState.READY
    assert state(AccountFacts(True, False, (), "rejected.fraud")) is PayoutState.RESTRICTED
    assert state(AccountFacts(True, False, (), "requirements.pending_verification")) is PayoutState.IN_PROGRESS


def test_requirements_read_as_sentences_once_each() -> None:
    due = ["individual.dob.day", "individual.dob.month", "external_account", "individual.unknown_thing"]
    assert requirement_sentences(due) == [
        "Add your date of birth.",
        "Add the bank account your payouts go to.",
        "Provide: individual → unknown thing.",
    ]
