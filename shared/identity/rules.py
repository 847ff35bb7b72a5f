"""Identity rules: roles, what each may do, brand naming, creator tiers. Pure functions only."""

from __future__ import annotations

import datetime as dt
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


# --- team, invitations, second factor, sign-in throttling ------------------------------------

INVITATION_TTL_HOURS = 72

# The roles that move money must prove a second factor (TOTP) at every sign-in.
SECOND_FACTOR_ROLES = frozenset({Role.OWNER, Role.FINANCE})

RECOVERY_CODE_COUNT = 10


def can_manage_team(role: Role | None) -> bool:
    """Only owners invite, change roles and remove members."""
    return role is Role.OWNER


def needs_second_factor(roles: set[Role]) -> bool:
    """Owners and finance (at any brand) must use TOTP; everyone else may."""
    return bool(roles & SECOND_FACTOR_ROLES)


def leaves_brand_without_owner(owner_ids: set[int], staff_id: int, new_role: Role | None) -> bool:
    """True when demoting or removing `staff_id` would leave the brand with no owner."""
    return owner_ids == {staff_id} and new_role is not Role.OWNER


def invitation_state(*, accepted: bool, revoked: bool, expired: bool) -> str:
    """'accepted', 'revoked', 'expired' or 'pending' (the only state that can be accepted)."""
    if accepted:
        return "accepted"
    if revoked:
        return "revoked"
    if expired:
        return "expired"
    return "pending"


def validate_invitation(email: str, role: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 320 or email.startswith("@") or email.endswith("@"):
        errors["email"] = "Enter an email address like name@example.com."
    if role not in {r.value for r in Role}:
        errors["role"] = "Choose a role."
    return errors


# Sign-in throttling: after THRESHOLD failures, each further failure locks for 2^(n - THRESHOLD)
# seconds, capped. An IP gets more room than an account: offices share one address.
ACCOUNT_THRESHOLD = 5
IP_THRESHOLD = 20
MAX_LOCK_SECONDS = 15 * 60
# Failures older than this no longer count: the counter starts again.
THROTTLE_MEMORY_SECONDS = 24 * 60 * 60


def lock_seconds(failures: int, threshold: int) -> int:
    """How long to refuse further attempts after `failures` consecutive failures (0: not locked)."""
    if failures < threshold:
        return 0
    return min(int(2 ** (failures - threshold)), MAX_LOCK_SECONDS)


INVITATION_PROBLEMS = {
    "accepted": "This invitation has already been used. Sign in instead, or ask for a new invitation.",
    "revoked": "This invitation was withdrawn. Ask an owner of the brand to invite you again.",
    "expired": f"This invitation has expired (links work for {INVITATION_TTL_HOURS} hours). Ask for a new one.",
}


def parse_audit_date(text: str) -> tuple[dt.date | None, str | None]:
    """A YYYY-MM-DD filter date, or an error a person can act on."""
    if not text.strip():
        return None, None
    try:
        return dt.date.fromisoformat(text.strip()), None
    except ValueError:
        return None, "Use a date like 2026-11-21."
