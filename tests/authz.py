"""The vocabulary of the authorization matrix (tests/test_authorization_matrix.py): personas, outcomes
and the expectation builders that tests/matrix_rows/<area>.py use for their rows."""

from __future__ import annotations

from dataclasses import dataclass

from shared.identity.rules import Role

# Outcomes
OK = "ok"  # the handler ran: 2xx, or a redirect that is not to a sign-in page, or 400 for an empty form
SIGNIN = "signin"  # sent to sign in (302 to a sign-in page, or 401)
FORBIDDEN = "forbidden"  # 403: known, but the role does not allow it
NOTFOUND = "notfound"  # 404: another brand's (or creator's) object, indistinguishable from missing

PERSONAS = (
    "anonymous",
    "creator_a",
    "creator_b",
    "owner_x",
    "manager_x",
    "reviewer_x",
    "finance_x",
    "viewer_x",
    "manager_y",
)
STAFF_X = {
    "owner_x": Role.OWNER,
    "manager_x": Role.MANAGER,
    "reviewer_x": Role.REVIEWER,
    "finance_x": Role.FINANCE,
    "viewer_x": Role.VIEWER,
}

Expectation = dict[str, str]


def public() -> Expectation:
    return dict.fromkeys(PERSONAS, OK)


def staff_only(*, brand_scoped: bool = False, roles: tuple[Role, ...] = tuple(Role)) -> Expectation:
    """Back-office routes: creators and strangers are sent to sign in; other brands get 404."""
    expected = {"anonymous": SIGNIN, "creator_a": SIGNIN, "creator_b": SIGNIN}
    for persona, role in STAFF_X.items():
        expected[persona] = OK if role in roles else FORBIDDEN
    expected["manager_y"] = NOTFOUND if brand_scoped else OK
    return expected


def staff_owners_only() -> Expectation:
    """Staff routes (not brand-scoped) that need an owner somewhere or an administrator."""
    expected = staff_only()
    for persona, role in STAFF_X.items():
        expected[persona] = OK if role is Role.OWNER else FORBIDDEN
    expected["manager_y"] = FORBIDDEN
    return expected


def creator_only(*, other_creator: str = OK) -> Expectation:
    """Creator routes: strangers and staff are sent to sign in (a staff session grants nothing here)."""
    expected = dict.fromkeys(PERSONAS, SIGNIN)
    expected["creator_a"] = OK
    expected["creator_b"] = other_creator
    return expected


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as Litestar lists it
    url: str  # with sample path parameters filled in (brand X = acme)
    expected: Expectation
