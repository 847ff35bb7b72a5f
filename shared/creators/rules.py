"""Creator rules: onboarding validation, money entry, account linking. Pure functions only."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.identity.rules import CURRENCIES

WANTS = ("money", "product", "exposure")
WANT_LABELS = {"money": "Paid collaborations", "product": "Free products", "exposure": "Exposure and reach"}

# How platforms spell themselves (sign-in providers use their configured label instead).
PLATFORM_LABELS = {
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "twitch": "Twitch",
    "x": "X",
}

# Decimal places people type for each currency (ISO 4217 minor unit); two unless listed.
MINOR_DIGITS = {"JPY": 0}

NAME_MAX = 200
NICHES_MAX = 8
NICHE_MAX = 50
PREFERENCES_MAX = 2000
RATE_MAX_MAJOR = Decimal("10000000")  # a 10-million fee per post is a typo, not a rate

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Onboarding:
    """What a creator tells us after their first sign-in, cleaned."""

    display_name: str
    email: str
    country: str
    niches: list[str]
    rate_minor: int | None
    rate_currency: str
    wants: list[str]
    content_preferences: str


def to_minor_units(amount: str, currency: str) -> int:
    """'1,250.50' USD -> 125050; ValueError with a message for anything that is not a plain amount."""
    cleaned = amount.strip().replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Enter an amount like 250 or 250.00.") from None
    if not value.is_finite() or value < 0:
        raise ValueError("Enter an amount of zero or more.")
    if value > RATE_MAX_MAJOR:
        raise ValueError("That amount looks too large; enter your fee for one post.")
    digits = MINOR_DIGITS.get(currency, 2)
    scaled = value * (10**digits)
    if scaled != scaled.to_integral_value():
        places = "no decimals" if digits == 0 else f"at most {digits} decimals"
        raise ValueError(f"{currency} amounts have {places}.")
    return int(scaled)


def from_minor_units(minor: int | None, currency: str) -> str:
    """125050 USD -> '1250.50' (for showing a stored rate back in the form)."""
    if minor is None:
        return ""
    digits = MINOR_DIGITS.get(currency, 2)
    if digits == 0:
        return str(minor)
    return f"{Decimal(minor) / (10**digits):.{digits}f}"


def split_niches(text: str) -> list[str]:
    seen: list[str] = []
    for part in text.split(","):
        niche = " ".join(part.split()).lower()
        if niche and niche not in seen:
            seen.append(niche)
    return seen


def validate_onboarding(
    *,
    display_name: str,
    email: str,
    country: str,
    niches: str,
    rate: str,
    currency: str,
    wants: list[str],
    content_preferences: str,
) -> tuple[Onboarding | None, dict[str, str]]:
    """The cleaned answers, or field errors a person can act on."""
    errors: dict[str, str] = {}
    name = " ".join(display_name.split())
    if not name:
        errors["display_name"] = "Enter the name brands should see."
    elif len(name) > NAME_MAX:
        errors["display_name"] = f"Keep your name under {NAME_MAX} characters."
    email_clean = email.strip().lower()
    if not _EMAIL.match(email_clean):
        errors["email"] = "Enter an email address like name@example.com, so brands' offers can reach you."
    country_clean = country.strip().upper()
    if not _COUNTRY.match(country_clean):
        errors["country"] = "Enter your country as a two-letter code, like US, GB or FR."
    niche_list = split_niches(niches)
    if not niche_list:
        errors["niches"] = "Enter at least one topic you create about, like travel or fitness."
    elif len(niche_list) > NICHES_MAX:
        errors["niches"] = f"Pick at most {NICHES_MAX} topics."
    elif any(len(n) > NICHE_MAX for n in niche_list):
        errors["niches"] = f"Keep each topic under {NICHE_MAX} characters."
    currency_clean = currency.strip().upper()
    if currency_clean not in CURRENCIES:
        errors["currency"] = f"Choose one of: {', '.join(CURRENCIES)}."
    rate_minor: int | None = None
    if rate.strip():
        try:
            rate_minor = to_minor_units(rate, currency_clean if currency_clean in CURRENCIES else "USD")
        except ValueError as exc:
            errors["rate"] = str(exc)
    wants_clean = [w for w in WANTS if w in wants]
    if not wants_clean or len(wants_clean) != len(set(wants)):
        errors["wants"] = "Choose at least one: money, products or exposure."
    preferences = content_preferences.strip()
    if len(preferences) > PREFERENCES_MAX:
        errors["content_preferences"] = f"Keep this under {PREFERENCES_MAX} characters."
    if errors:
        return None, errors
    return (
        Onboarding(
            display_name=name,
            email=email_clean,
            country=country_clean,
            niches=niche_list,
            rate_minor=rate_minor,
            rate_currency=currency_clean,
            wants=wants_clean,
            content_preferences=preferences,
        ),
        {},
    )


def display_name_from_claims(name: str | None, username: str | None, email: str | None, subject: str) -> str:
    """A first guess at the creator's name (they confirm it during onboarding)."""
    if name:
        return name.strip()[:NAME_MAX]
    if username:
        return username.strip()[:NAME_MAX]
    if email:
        return email.split("@", 1)[0][:NAME_MAX]
    return f"Creator {subject[:12]}"


def can_unlink(remaining_providers: Collection[str], sign_in_providers: Collection[str]) -> bool:
    """An account may go only if one left afterwards can still sign in (else the creator is locked out)."""
    if not sign_in_providers:
        return len(remaining_providers) > 0
    return any(provider in sign_in_providers for provider in remaining_providers)
