"""The back-office shell: the brand's navigation (a sidebar on wide screens, a menu on phones), which entry is
current, and where the brand switcher leads.

SECTIONS is the one list of the brand's sections. A new section is one line here, with the roles that may use
it (the same roles as its list page's guard); entries a role may not use are not shown. Sections that do not
exist yet are not listed at all, so nobody meets a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from litestar import Request

from backoffice.guards import ALL_ROLES, brand_access
from backoffice.notifications import count_unread_for_nav
from shared.identity.rules import Role
from shared.web.auth import load_staff
from shared.web.frame import frame_counts

Group = Literal["work", "money", "settings"]
Badge = Literal["", "reviews"]


@dataclass(frozen=True)
class Section:
    label: str
    path: str  # under /backoffice/b/<slug>/ ('' is the brand's home)
    roles: tuple[Role, ...]
    group: Group = "work"
    badge: Badge = ""


SECTIONS: tuple[Section, ...] = (
    Section("Home", "", ALL_ROLES),
    Section("Creators", "creators", ALL_ROLES),
    Section("Campaigns", "campaigns", ALL_ROLES),
    Section("Deliverables", "deliverables", ALL_ROLES),
    Section("Reviews", "reviews", ALL_ROLES, badge="reviews"),
    Section("Messages", "messages", ALL_ROLES),
    Section("Contracts", "contracts", ALL_ROLES),
    Section("Library", "library", ALL_ROLES),
    Section("Results", "results", ALL_ROLES),
    Section("Payouts", "payouts", (Role.OWNER, Role.FINANCE, Role.MANAGER, Role.VIEWER), group="money"),
    Section("Reconciliation", "reconciliation", (Role.OWNER, Role.FINANCE), group="money"),
    Section("Stripe events", "stripe-events", (Role.OWNER, Role.FINANCE), group="money"),
    Section("Year-end", "year-end", (Role.OWNER, Role.FINANCE), group="money"),
    Section("Exports", "exports", (Role.OWNER, Role.FINANCE), group="money"),
    Section("Team", "team", ALL_ROLES, group="settings"),
    Section("Disclosure rules", "settings/disclosure", ALL_ROLES, group="settings"),
    Section("Payment policy", "settings/payments", (Role.OWNER,), group="settings"),
    Section("Tax settings", "settings/tax", (Role.OWNER,), group="settings"),
    Section("Audit log", "audit", (Role.OWNER,), group="settings"),
)

GROUP_LABELS: dict[Group, str] = {"work": "Work", "money": "Money", "settings": "Settings"}

# Paths that belong to a section without starting with its path: an offer and its messages are reached from
# campaigns (and the deliverables board); a draft's review is under reviews already.
ALIASES = {"offers": "campaigns", "contract-templates": "contracts"}

SHELL_STATE = "rapport_shell"


@dataclass(frozen=True)
class NavEntry:
    label: str
    url: str
    current: bool
    badge: int


@dataclass(frozen=True)
class NavGroup:
    label: str
    entries: tuple[NavEntry, ...]


@dataclass(frozen=True)
class Shell:
    brand_name: str
    brand_slug: str
    role: Role
    groups: tuple[NavGroup, ...]
    section_path: str  # the current section, so the brand switcher keeps you there

    def switch_url(self, slug: str, role: Role) -> str:
        """The same section at another brand, when the role there may use it; that brand's home otherwise."""
        usable = any(s.path == self.section_path and role in s.roles for s in SECTIONS)
        return f"/backoffice/b/{slug}/{self.section_path if usable else ''}".rstrip("/")


def current_section(rest: str, role: Role) -> str:
    """The section a path under /backoffice/b/<slug>/ belongs to ('' for the home), among those `role` sees."""
    first = rest.strip("/").split("/", 1)[0]
    first = ALIASES.get(first, first)
    if first == "settings":  # settings pages are sections of their own: settings/disclosure, settings/payments
        first = "/".join(rest.strip("/").split("/")[:2])
    paths = {section.path for section in SECTIONS if role in section.roles}
    return first if first in paths else ""


def build_shell(brand_name: str, brand_slug: str, role: Role, rest: str, badges: dict[Badge, int]) -> Shell:
    """The navigation `role` sees at this brand, the current entry marked."""
    section = current_section(rest, role)
    groups: list[NavGroup] = []
    for group, label in GROUP_LABELS.items():
        entries = tuple(
            NavEntry(
                label=item.label,
                url=f"/backoffice/b/{brand_slug}/{item.path}".rstrip("/"),
                current=item.path == section,
                badge=badges.get(item.badge, 0) if item.badge else 0,
            )
            for item in SECTIONS
            if item.group == group and role in item.roles
        )
        if entries:
            groups.append(NavGroup(label, entries))
    return Shell(brand_name, brand_slug, role, tuple(groups), section)


async def prepare_shell(request: Request[Any, Any, Any]) -> None:
    """before_request hook for full pages (not form posts or htmx fragments): the header's unread badge and, on a
    brand's pages, its navigation; their counts came with the staff member (no query here)."""
    await count_unread_for_nav(request)
    if request.method != "GET" or request.headers.get("hx-request") == "true":
        return
    slug = request.path_params.get("brand_slug")
    staff = await load_staff(request)  # already loaded by the guard: no query
    if not slug or staff is None:
        return
    access = brand_access(staff, str(slug))
    if access is None:
        return
    prefix = f"/backoffice/b/{slug}"
    rest = request.url.path[len(prefix) :] if request.url.path.startswith(prefix) else ""
    # The badge came with the staff member in one statement (shared.web.frame).
    badges: dict[Badge, int] = {"reviews": frame_counts(request).waiting_reviews or 0}
    request.scope["state"][SHELL_STATE] = build_shell(access.brand_name, access.brand_slug, access.role, rest, badges)
