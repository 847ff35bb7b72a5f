"""Identity rules: roles, what each may do, brand naming, creator tiers. Pure functions only."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    REVIEWER = "reviewer"
    FINANCE = "finance"
    VIEWER = "viewer"


ROLE_LABELS = {
    Role.OWNER: "Owner",
    Role.MANAGER: "Brand manager",
    Role.REVIEWER: "Reviewer",
    Role.FINANCE: "Finance",
    Role.VIEWER: "Viewer",
}

# ISO 4217 codes we accept for a brand's default currency (extend as brands need them).
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "SEK", "NOK", "DKK", "BRL", "MXN", "INR")

BRAND_NAME_MAX = 200


def can_create_brand(*, is_admin: bool, roles: set[Role]) -> bool:
    """Deployment admins and owners of any brand (agencies) may open a new brand."""
    return is_admin or Role.OWNER in roles


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "brand"


def validate_brand(name: str, currency: str) -> dict[str, str]:
    """Field errors for a new brand; empty when it is fine."""
    errors: dict[str, str] = {}
    cleaned = name.strip()
    if not cleaned:
        errors["name"] = "Give the brand a name."
    elif len(cleaned) > BRAND_NAME_MAX:
        errors["name"] = f"Keep the name under {BRAND_NAME_MAX} characters."
    if currency not in CURRENCIES:
        errors["currency"] = f"Choose one of: {', '.join(CURRENCIES)}."
    return errors


# --- creators --------------------------------------------------------------------------------

TIERS = (
    ("mega", 1_000_000),
    ("macro", 100_000),
    ("micro", 10_000),
    ("nano", 1_000),
)


def tier_for(followers: int | None) -> str | None:
    """nano 1k–10k, micro 10k–100k, macro 100k–1M, mega 1M+; None below 1k or when hidden."""
    if followers is None:
        return None
    for name, floor in TIERS:
        if followers >= floor:
            return name
    return None


def engagement_rate(engagements: int | None, followers: int | None) -> float | None:
    """(comments + shares) per post / followers, as a fraction; None when either is unknown."""
    if engagements is None or not followers:
        return None
    return engagements / followers
