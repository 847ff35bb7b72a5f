"""Money for people: integer minor units in, readable amounts out (never floats)."""

from __future__ import annotations

from decimal import Decimal

from shared.creators.rules import MINOR_DIGITS, to_minor_units

__all__ = ["format_money", "minor_digits", "per_each", "to_minor_units"]

# Symbols no other currency shares: a bare "$" is also Mexico's, Canada's and Australia's peso or dollar
# (Diego in Mexico reads "$9,000.00" as pesos), so every dollar and peso says whose it is.
_SYMBOLS = {
    "USD": "US$",
    "MXN": "MX$",
    "CAD": "CA$",
    "AUD": "A$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "JP¥",
    "INR": "₹",
    "BRL": "R$",
}


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency, 2)


def format_money(minor: int | None, currency: str) -> str:
    """125050 USD -> 'US$1,250.50'; 1250 JPY -> 'JP¥1,250'; CHF has no symbol here -> 'CHF 1,250.50'."""
    if minor is None:
        return "—"
    digits = minor_digits(currency)
    amount = Decimal(minor) / (10**digits)
    text = f"{amount:,.{digits}f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}"


def per_each(total_minor: int, count: int) -> int | None:
    """A total shared among `count` (cost per deliverable, per creator), to the nearest minor unit (halves up);
    None when there is nothing to share it among."""
    if count <= 0:
        return None
    return (2 * total_minor + count) // (2 * count)
