"""Which blocks of the home come first for which role: reviewers see reviews first, finance sees money first."""

from __future__ import annotations

from typing import Literal

from shared.identity.rules import Role

# Blocks to come are added here, to the orders below and to get_home by the issue that brings their data.
Block = Literal["reviews", "counters", "contracts", "payables", "deliverables", "rights", "messages", "spend"]

DEFAULT_ORDER: tuple[Block, ...] = ("reviews", "counters", "contracts", "deliverables", "rights", "messages", "spend")
ORDER_BY_ROLE: dict[Role, tuple[Block, ...]] = {
    # Only owners and managers countersign: the others don't get the contracts block.
    Role.REVIEWER: ("reviews", "deliverables", "messages", "counters", "spend"),
    Role.VIEWER: ("reviews", "counters", "deliverables", "rights", "messages", "spend"),
    Role.FINANCE: ("payables", "spend", "counters", "deliverables", "reviews", "messages"),
    # Owners approve payables too (the default policy's approver roles are finance and owner).
    Role.OWNER: ("reviews", "counters", "contracts", "payables", "deliverables", "rights", "messages", "spend"),
}

HOME_LIST_SIZE = 5  # rows shown per block; the count says how many there are in all
DUE_SOON_DAYS = 7  # "due this week"
RIGHTS_SOON_DAYS = 30  # usage rights ending soon (the library's alerts start 30 days out)
SEARCH_MIN_CHARS = 2
SEARCH_LIMIT = 6  # results per kind


def home_order(role: Role) -> tuple[Block, ...]:
    """The home's blocks in the order this role needs them."""
    return ORDER_BY_ROLE.get(role, DEFAULT_ORDER)


def normalise_search(q: str) -> str:
    """What the header search looks for: trimmed, lower-cased, without a leading @ (handles are stored bare)."""
    return q.strip().lstrip("@").strip().lower()[:100]
