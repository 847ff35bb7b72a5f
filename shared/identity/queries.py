"""Read-only identity queries. get_* raise NotFound; list_* return many."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from shared.crypto import hash_token
from shared.db.engine import get_engine
from shared.db.sql import escape_like
from shared.db.tables import AuditLog, Brand, Membership, StaffInvitation, StaffUser
from shared.errors import NotFound
from shared.identity.rules import Role, invitation_state, needs_second_factor


@dataclass(frozen=True)
class BrandAccess:
    brand_id: int
    brand_name: str
    brand_slug: str
    role: Role


@dataclass(frozen=True)
class StaffContext:
    """A signed-in staff member and the brands they can act for: what guards decide on."""

    id: int
    email: str
    name: str
    is_admin: bool
    brands: tuple[BrandAccess, ...]
    time_zone: str = ""  # IANA; '' reads as UTC

    def role_at(self, brand_id: int) -> Role | None:
        for access in self.brands:
            if access.brand_id == brand_id:
                return access.role
        return None

    @property
    def roles(self) -> set[Role]:
        return {access.role for access in self.brands}


async def get_staff_context(staff_id: int) -> StaffContext:
    """The staff member with their memberships, in one query; NotFound if missing or deactivated.

    Runs on every back-office request, so it is plain SQL: building it with the query builder
    cost more CPU than the database spent answering it (bench/profile_page.py).
    """
    return staff_context_from_rows(await get_engine().fetch(f"{STAFF_CONTEXT_SQL} ORDER BY b.name", staff_id))


# The staff member ($1) with one row per membership; shared.web.frame adds the header's counts to it.
STAFF_CONTEXT_SQL = """
SELECT s.id, s.email, s.name, s.is_admin, s.time_zone, b.id AS brand_id, b.name AS brand_name,
       b.slug AS brand_slug, m.role
FROM staff_user s
LEFT JOIN membership m ON m.staff = s.id
LEFT JOIN brand b ON b.id = m.brand
WHERE s.id = $1 AND s.is_active
"""


def staff_context_from_rows(rows: list[dict[str, Any]]) -> StaffContext:
    """StaffContext from STAFF_CONTEXT_SQL's rows; NotFound when there are none (missing or deactivated)."""
    if not rows:
        raise NotFound("No such staff member.")
    brands = tuple(
        BrandAccess(row["brand_id"], row["brand_name"], row["brand_slug"], Role(row["role"]))
        for row in rows
        if row["brand_id"] is not None
    )
    first = rows[0]
    return StaffContext(first["id"], first["email"], first["name"], first["is_admin"], brands, first["time_zone"])


async def get_brand_for_staff(staff: StaffContext, slug: str) -> Brand:
    """The brand if this staff member belongs to it; NotFound otherwise (never reveal other brands)."""
    allowed = [access.brand_id for access in staff.brands if access.brand_slug == slug]
    if not allowed:
        raise NotFound("No such brand.")
    brand = await Brand.objects().where(Brand.id == allowed[0]).first()
    if brand is None:
        raise NotFound("No such brand.")
    return brand


async def list_brands_for_staff(staff_id: int) -> list[dict[str, object]]:
    """Brands with the viewer's role and member count, in one query."""
    rows: list[dict[str, object]] = await Brand.raw(
        """
        SELECT b.id, b.name, b.slug, b.default_currency, b.created_at, m.role,
               (SELECT count(*) FROM membership mm WHERE mm.brand = b.id) AS member_count
        FROM brand b JOIN membership m ON m.brand = b.id
        WHERE m.staff = {}
        ORDER BY b.name
        """,
        staff_id,
    )
    return rows


async def list_brand_members(brand_id: int) -> list[dict[str, object]]:
    """The brand's staff with their roles, in one query."""
    return (
        await Membership.select(
            Membership.staff.id.as_alias("staff_id"),
            Membership.staff.name.as_alias("name"),
            Membership.staff.email.as_alias("email"),
            Membership.role,
        )
        .where(Membership.brand == brand_id)
        .order_by(Membership.role)
        .order_by(Membership.staff.name)
    )


# --- team, invitations, second factor ----------------------------------------------------------


async def list_pending_invitations(brand_id: int) -> list[dict[str, Any]]:
    """Invitations of this brand not yet accepted or revoked (expired ones too, marked), newest first, one query."""
    rows: list[dict[str, Any]] = await StaffInvitation.raw(
        """
        SELECT i.id, i.email, i.role, i.created_at, i.expires_at, i.expires_at <= now() AS expired,
               coalesce(s.name, '') AS invited_by_name
        FROM staff_invitation i LEFT JOIN staff_user s ON s.id = i.invited_by
        WHERE i.brand = {} AND i.accepted_at IS NULL AND i.revoked_at IS NULL
        ORDER BY i.id DESC
        LIMIT 200
        """,
        brand_id,
    )
    return rows


@dataclass(frozen=True)
class InvitationView:
    brand_name: str
    role: Role
    email: str
    state: str  # rules.invitation_state
    has_account: bool


async def get_invitation(token: str) -> InvitationView:
    """What an invitation link offers (NotFound for a link that never existed), in one query."""
    rows = await StaffInvitation.raw(
        """
        SELECT i.email, i.role, b.name AS brand_name, i.accepted_at IS NOT NULL AS accepted,
               i.revoked_at IS NOT NULL AS revoked, i.expires_at <= now() AS expired,
               EXISTS (SELECT 1 FROM staff_user s WHERE s.email = i.email) AS has_account
        FROM staff_invitation i JOIN brand b ON b.id = i.brand
        WHERE i.token_hash = {}
        """,
        hash_token(token),
    )
    if not rows:
        raise NotFound("This invitation link is not valid. Check that you copied the whole link.")
    row = rows[0]
    state = invitation_state(accepted=row["accepted"], revoked=row["revoked"], expired=row["expired"])
    return InvitationView(row["brand_name"], Role(row["role"]), row["email"], state, row["has_account"])


SecondFactorStep = Literal["none", "code", "enrol"]


async def get_second_factor_step(staff_id: int) -> SecondFactorStep:
    """After a correct password: 'code' if TOTP is on, 'enrol' if the roles require it but it is off, else 'none'."""
    rows = await StaffUser.raw(
        """
        SELECT s.totp_enabled_at IS NOT NULL AS enabled, array_remove(array_agg(m.role), NULL) AS roles
        FROM staff_user s LEFT JOIN membership m ON m.staff = s.id
        WHERE s.id = {} GROUP BY s.id
        """,
        staff_id,
    )
    if not rows:
        raise NotFound("No such staff member.")
    if rows[0]["enabled"]:
        return "code"
    if needs_second_factor({Role(role) for role in rows[0]["roles"]}):
        return "enrol"
    return "none"


@dataclass(frozen=True)
class SecondFactorStatus:
    enabled: bool
    required: bool
    recovery_codes_left: int


async def get_second_factor_status(staff: StaffContext) -> SecondFactorStatus:
    rows = await StaffUser.raw(
        """
        SELECT s.totp_enabled_at IS NOT NULL AS enabled,
               (SELECT count(*) FROM recovery_code r WHERE r.staff = s.id AND r.used_at IS NULL) AS codes_left
        FROM staff_user s WHERE s.id = {}
        """,
        staff.id,
    )
    if not rows:
        raise NotFound("No such staff member.")
    return SecondFactorStatus(rows[0]["enabled"], needs_second_factor(staff.roles), int(rows[0]["codes_left"]))


# --- the audit log, as a brand's owners read it ------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""  # part of the actor's email or label
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


@dataclass(frozen=True)
class AuditPage:
    rows: list[dict[str, Any]]
    older_than: int | None  # the cursor for the next (older) page, None on the last page
    actions: list[str]  # every action this brand's log holds, for the filter


async def list_brand_audit_log(
    brand_id: int, filters: AuditFilters, *, before_id: int | None = None, limit: int = 50
) -> AuditPage:
    """One brand's audit rows, newest first, keyset-paginated by id; two queries whatever the page size."""
    query = (
        AuditLog.select(
            AuditLog.id,
            AuditLog.occurred_at,
            AuditLog.actor_kind,
            AuditLog.actor_label,
            AuditLog.action,
            AuditLog.subject_type,
            AuditLog.subject_id,
            AuditLog.before,
            AuditLog.after,
            AuditLog.ip,
        )
        .where(AuditLog.brand == brand_id)
        .order_by(AuditLog.id, ascending=False)
        .limit(limit + 1)
        .output(load_json=True)
    )
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    if filters.action:
        query = query.where(AuditLog.action == filters.action)
    if filters.actor:
        query = query.where(AuditLog.actor_label.ilike(f"%{escape_like(filters.actor)}%"))
    if filters.since:
        query = query.where(AuditLog.occurred_at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until:
        end = dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(AuditLog.occurred_at < end)
    rows: list[dict[str, Any]] = await query
    actions = await AuditLog.raw("SELECT DISTINCT action FROM audit_log WHERE brand = {} ORDER BY action", brand_id)
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(rows, int(rows[-1]["id"]) if more and rows else None, [row["action"] for row in actions])
