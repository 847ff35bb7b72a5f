"""CRM rules: relationship stages and the moves staff may make, prospect/tag/note validation, roster
filters parsed from a query string. Pure functions only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from shared.creators.rules import PLATFORM_LABELS
from shared.identity.rules import Role

# --- stages -------------------------------------------------------------------------------------

STAGES = ("prospect", "contacted", "negotiating", "active", "alumni", "paused")
STAGE_LABELS = {
    "prospect": "Prospect",
    "contacted": "Contacted",
    "negotiating": "Negotiating",
    "active": "Active",
    "alumni": "Alumni",
    "paused": "Paused",
}
# The roster's stage filter also offers creators the brand has no relationship with yet.
NO_RELATIONSHIP = "none"

# Moves staff may make by hand. Forward along the pipeline (skipping steps is fine: a deal agreed
# on a call), one step back to correct a slip, pause from anywhere, resume from a pause, and
# alumni only once someone was active. `None` is a creator the brand has no relationship with yet.
STAFF_MOVES: dict[str | None, frozenset[str]] = {
    None: frozenset({"prospect", "contacted", "negotiating"}),
    "prospect": frozenset({"contacted", "negotiating", "active", "paused"}),
    "contacted": frozenset({"prospect", "negotiating", "active", "paused"}),
    "negotiating": frozenset({"contacted", "active", "paused"}),
    "active": frozenset({"negotiating", "alumni", "paused"}),
    "alumni": frozenset({"contacted", "negotiating", "active", "paused"}),
    "paused": frozenset({"prospect", "contacted", "negotiating", "active", "alumni"}),
}

# Who may change relationships (stage, owner, tags, notes, prospects, invitations); everyone at the
# brand may look.
ROSTER_EDITORS = frozenset({Role.OWNER, Role.MANAGER})


def can_edit_roster(role: Role | None) -> bool:
    """Owners and managers keep the CRM; reviewers, finance and viewers only read it."""
    return role in ROSTER_EDITORS


def stage_moves(current: str | None) -> list[str]:
    """The stages staff may move a relationship to from `current`, in pipeline order."""
    allowed = STAFF_MOVES.get(current, frozenset())
    return [stage for stage in STAGES if stage in allowed]


def stage_problem(current: str | None, target: str) -> str | None:
    """Why staff may not move from `current` to `target`, or None when they may."""
    if target not in STAGES:
        return "Choose a stage from the list."
    if target == current:
        return f"The relationship is already at {STAGE_LABELS[target]}."
    if target not in STAFF_MOVES.get(current, frozenset()):
        where = STAGE_LABELS[current] if current else "not on your roster yet"
        choices = ", ".join(STAGE_LABELS[s] for s in stage_moves(current))
        return f"From {where} a relationship can move to: {choices}."
    return None


# --- prospects --------------------------------------------------------------------------------

PLATFORMS = tuple(PLATFORM_LABELS)
TIERS = ("nano", "micro", "macro", "mega")
TIER_LABELS = {"nano": "Nano (1k–10k)", "micro": "Micro (10k–100k)", "macro": "Macro (100k–1M)", "mega": "Mega (1M+)"}
NAME_MAX = 200
HANDLE_MAX = 100
EMAIL_MAX = 320
FOLLOWERS_MAX = 2_000_000_000  # the column is a 32-bit integer; no account is that large

_HANDLE = re.compile(r"^[A-Za-z0-9._-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([km]?)$")


@dataclass(frozen=True)
class ProspectInput:
    """A prospect as staff typed it, cleaned: a platform handle, an email, or both."""

    display_name: str
    platform: str | None
    handle: str | None
    email: str | None
    followers: int | None


def clean_handle(text: str) -> str:
    """'@Alice.Outdoors ' -> 'Alice.Outdoors' (people paste handles with the @)."""
    return text.strip().removeprefix("@").strip()


def clean_email(text: str) -> str:
    return text.strip().lower()


def email_problem(email: str) -> str | None:
    if not _EMAIL.match(email) or len(email) > EMAIL_MAX:
        return "Enter an email address like name@example.com."
    return None


def parse_count(text: str) -> int:
    """'48200', '48,200', '48.2k', '1.5m' -> an integer; ValueError with a message otherwise."""
    cleaned = text.strip().lower().replace(",", "").replace(" ", "").replace("_", "")
    match = _COUNT.match(cleaned)
    if not match:
        raise ValueError("Enter a number like 25000, 25k or 1.5m.")
    value = Decimal(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)]
    if value > FOLLOWERS_MAX:
        raise ValueError("That number is too large.")
    return int(value)


def validate_prospect(
    *, display_name: str, platform: str, handle: str, email: str, followers: str
) -> tuple[ProspectInput | None, dict[str, str]]:
    """A prospect needs a platform and handle, or an email (or both); the name defaults to the handle."""
    errors: dict[str, str] = {}
    handle_clean = clean_handle(handle)
    platform_clean = platform.strip().lower()
    email_clean = clean_email(email)
    if not handle_clean and not email_clean:
        errors["handle"] = "Enter their handle on a platform, or their email below."
    if handle_clean:
        if platform_clean not in PLATFORMS:
            errors["platform"] = "Choose the platform this handle is on."
        if len(handle_clean) > HANDLE_MAX or not _HANDLE.match(handle_clean):
            errors["handle"] = "A handle has letters, digits, dots, dashes or underscores, like alice.outdoors."
    elif platform_clean and platform_clean not in PLATFORMS:
        errors["platform"] = "Choose a platform from the list."
    if email_clean and (problem := email_problem(email_clean)):
        errors["email"] = problem
    name = " ".join(display_name.split())
    if len(name) > NAME_MAX:
        errors["display_name"] = f"Keep the name under {NAME_MAX} characters."
    followers_count: int | None = None
    if followers.strip():
        if not handle_clean:
            errors["followers"] = "Followers belong to an account: enter the handle too, or leave this empty."
        else:
            try:
                followers_count = parse_count(followers)
            except ValueError as exc:
                errors["followers"] = str(exc)
    if errors:
        return None, errors
    if not name:
        name = handle_clean or email_clean.split("@", 1)[0]
    return (
        ProspectInput(
            display_name=name,
            platform=platform_clean if handle_clean else None,
            handle=handle_clean or None,
            email=email_clean or None,
            followers=followers_count,
        ),
        {},
    )


# --- tags and notes -----------------------------------------------------------------------------

TAG_MAX = 40
TAGS_MAX = 20
NOTE_MAX = 5000
_TAG = re.compile(r"^[a-z0-9][a-z0-9 ._+&-]*$")


def parse_tags(text: str) -> tuple[list[str], str | None]:
    """'Summer, vegan,  summer ' -> ['summer', 'vegan'] (lower-case, in order, once each), or an error."""
    tags: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split()).lower()
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        return [], f"Use at most {TAGS_MAX} tags."
    for tag in tags:
        if len(tag) > TAG_MAX:
            return [], f"Keep each tag under {TAG_MAX} characters ({tag[:20]}… is longer)."
        if not _TAG.match(tag):
            return [], f"Tags use letters, digits, spaces and . _ + & - only ({tag!r} does not)."
    return tags, None


def note_problem(body: str) -> str | None:
    if not body.strip():
        return "Write something before saving the note."
    if len(body) > NOTE_MAX:
        return f"Keep a note under {NOTE_MAX} characters (this one has {len(body)})."
    return None


# --- invitations ----------------------------------------------------------------------------------

CREATOR_INVITATION_TTL_DAYS = 14


def creator_invitation_state(*, accepted: bool, expired: bool, prospect_gone: bool) -> str:
    """'accepted', 'expired' or 'pending' (the only state that can be claimed)."""
    if accepted or prospect_gone:
        return "accepted"
    if expired:
        return "expired"
    return "pending"


CREATOR_INVITATION_PROBLEMS = {
    "unknown": "This invitation link is not valid. Check that you copied the whole link from the email.",
    "accepted": "This invitation has already been used. Sign in to see the brand's offers.",
    "expired": (
        f"This invitation has expired (links work for {CREATOR_INVITATION_TTL_DAYS} days). "
        "Ask the brand to send you a new one."
    ),
}


# --- roster filters -------------------------------------------------------------------------------

SEARCH_MAX = 100


@dataclass(frozen=True)
class RosterFilters:
    """What the roster is narrowed to; every field None/'' means 'any'."""

    q: str = ""
    platform: str = ""
    tier: str = ""
    niche: str = ""
    country: str = ""
    min_followers: int | None = None
    max_followers: int | None = None
    min_engagement_bp: int | None = None
    max_engagement_bp: int | None = None
    stage: str = ""  # one of STAGES, NO_RELATIONSHIP, or ''
    owner: int | str | None = None  # a staff id, 'none' (unassigned), or None
    tag: str = ""
    sort: str = ""  # one of ROSTER_SORTS ('' is by name)

    @property
    def narrowing(self) -> int:
        """How many filters (besides the search and the order) narrow the list: the phone's "Filters (n)"."""
        values = (self.platform, self.tier, self.niche, self.country, self.stage, self.owner, self.tag)
        ranges = (self.min_followers, self.max_followers, self.min_engagement_bp, self.max_engagement_bp)
        return sum(1 for v in values if v) + sum(1 for v in ranges if v is not None)


# The roster's orders: by name (A→Z), or the biggest audiences and the most engaged first.
ROSTER_SORTS = {"": "Name", "followers": "Most followers", "engagement": "Highest engagement"}

ROSTER_FILTER_FIELDS = (
    "q",
    "platform",
    "tier",
    "niche",
    "country",
    "min_followers",
    "max_followers",
    "min_engagement",
    "max_engagement",
    "stage",
    "owner",
    "tag",
    "sort",
)


def _parse_percent(text: str) -> int:
    """'2.5' or '2.5%' -> 250 basis points."""
    try:
        value = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        raise ValueError("Enter a percentage like 2.5.") from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValueError("Enter a percentage between 0 and 100.")
    return int(value * 100)


def parse_roster_filters(params: Mapping[str, str]) -> tuple[RosterFilters, dict[str, str]]:
    """Filters from the roster's query string, and field errors for values that make no sense."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        return " ".join(str(params.get(name, "")).split())

    q = text("q").lower()
    if len(q) > SEARCH_MAX:
        errors["q"] = f"Search with fewer than {SEARCH_MAX} characters."
    platform = text("platform").lower()
    if platform and platform not in PLATFORMS:
        errors["platform"] = "Choose a platform from the list."
    tier = text("tier").lower()
    if tier and tier not in TIERS:
        errors["tier"] = "Choose a tier from the list."
    country = text("country").upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = "Enter a two-letter country code, like US or FR."
    stage = text("stage").lower()
    if stage and stage not in STAGES and stage != NO_RELATIONSHIP:
        errors["stage"] = "Choose a stage from the list."
    sort = text("sort").lower()
    if sort not in ROSTER_SORTS:
        errors["sort"] = "Choose an order from the list."
    owner_text = text("owner").lower()
    owner: int | str | None = None
    if owner_text == "none":
        owner = "none"
    elif owner_text:
        if owner_text.isdigit():
            owner = int(owner_text)
        else:
            errors["owner"] = "Choose an owner from the list."

    counts: dict[str, int | None] = {}
    for name in ("min_followers", "max_followers"):
        counts[name] = None
        if text(name):
            try:
                counts[name] = parse_count(text(name))
            except ValueError as exc:
                errors[name] = str(exc)
    low, high = counts["min_followers"], counts["max_followers"]
    if low is not None and high is not None and low > high:
        errors["max_followers"] = "The most followers must be at least the fewest followers."

    rates: dict[str, int | None] = {}
    for name in ("min_engagement", "max_engagement"):
        rates[name] = None
        if text(name):
            try:
                rates[name] = _parse_percent(text(name))
            except ValueError as exc:
                errors[name] = str(exc)
    low_rate, high_rate = rates["min_engagement"], rates["max_engagement"]
    if low_rate is not None and high_rate is not None and low_rate > high_rate:
        errors["max_engagement"] = "The highest engagement rate must be at least the lowest."

    if errors:
        # The page shows the errors instead of results: a half-applied filter would mislead.
        return RosterFilters(), errors
    return (
        RosterFilters(
            q=q,
            platform=platform,
            tier=tier,
            niche=text("niche").lower(),
            country=country,
            min_followers=low,
            max_followers=high,
            min_engagement_bp=low_rate,
            max_engagement_bp=high_rate,
            stage=stage,
            owner=owner,
            tag=text("tag").lower(),
            sort=sort,
        ),
        {},
    )
