"""What a creator's payout account state means, in plain words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class PayoutState(StrEnum):
    UNSUPPORTED = "unsupported"  # Stripe cannot pay out to the creator's country
    NO_COUNTRY = "no_country"  # the profile has no country yet
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    NEEDS_INFO = "needs_info"
    READY = "ready"
    RESTRICTED = "restricted"


@dataclass(frozen=True)
class AccountFacts:
    details_submitted: bool
    payouts_enabled: bool
    currently_due: tuple[str, ...]
    disabled_reason: str | None


def payout_state(
    account: AccountFacts | None, *, country: str | None, supported_countries: Iterable[str]
) -> PayoutState:
    """The state a person would name: nothing yet, half done, Stripe needs more, ready, or blocked."""
    if account is None:
        if not country:
            return PayoutState.NO_COUNTRY
        if country.upper() not in set(supported_countries):
            return PayoutState.UNSUPPORTED
        return PayoutState.NOT_STARTED
    if account.payouts_enabled:
        return PayoutState.READY
    reason = account.disabled_reason or ""
    if reason.startswith("rejected") or reason in ("platform_paused", "listed", "under_review"):
        return PayoutState.RESTRICTED
    if not account.details_submitted:
        return PayoutState.IN_PROGRESS
    if account.currently_due:
        return PayoutState.NEEDS_INFO
    return PayoutState.IN_PROGRESS if reason.startswith("requirements.pending") else PayoutState.RESTRICTED


HEADLINES = {
    PayoutState.UNSUPPORTED: "Stripe can't pay out to your country",
    PayoutState.NO_COUNTRY: "Tell us your country first",
    PayoutState.NOT_STARTED: "Payouts are not set up",
    PayoutState.IN_PROGRESS: "Payout setup is in progress",
    PayoutState.NEEDS_INFO: "Stripe needs more information",
    PayoutState.READY: "Ready to be paid",
    PayoutState.RESTRICTED: "Payouts are restricted",
}

# Stripe's requirement names, as a sentence the creator can act on.
_SENTENCES = {
    "business_type": "Say whether you are paid as an individual or a business.",
    "external_account": "Add the bank account your payouts go to.",
    "individual.address.city": "Add the city of your home address.",
    "individual.address.line1": "Add your street address.",
    "individual.address.postal_code": "Add your postal code.",
    "individual.dob.day": "Add your date of birth.",
    "individual.dob.month": "Add your date of birth.",
    "individual.dob.year": "Add your date of birth.",
    "individual.email": "Add your email address.",
    "individual.first_name": "Add your first name.",
    "individual.last_name": "Add your last name.",
    "individual.phone": "Add your phone number.",
    "individual.id_number": "Add your government ID number.",
    "individual.ssn_last_4": "Add the last four digits of your Social Security number.",
    "individual.verification.document": "Upload a photo of your ID.",
    "tos_acceptance.date": "Accept Stripe's terms of service.",
    "tos_acceptance.ip": "Accept Stripe's terms of service.",
}


def requirement_sentences(currently_due: Iterable[str]) -> list[str]:
    """Each distinct thing Stripe asks for, once, as a sentence (unknown ones named plainly)."""
    sentences: list[str] = []
    for requirement in currently_due:
        sentence = _SENTENCES.get(requirement) or f"Provide: {requirement.replace('_', ' ').replace('.', ' → ')}."
        if sentence not in sentences:
            sentences.append(sentence)
    return sentences
