"""Read-only identity queries. get_* raise NotFound; list_* return many."""

from __future__ import annotations

from dataclasses import dataclass

from shared.db.tables import Brand, Membership, StaffUser
from shared.errors import NotFound
from shared.identity.rules import Role


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

    def role_at(self, brand_id: int) -> Role | None:
        for access in self.brands:
            if access.brand_id == brand_id:
                return access.role
        return None

    @property
    def roles(self) -> set[Role]:
        return {access.role for access in self.brands}


async def get_staff_context(staff_id: int) -> StaffContext:
    """The staff member with their memberships, in two queries; NotFound if missing or deactivated."""
    staff = (
        await StaffUser.select(StaffUser.id, StaffUser.email, StaffUser.name, StaffUser.is_admin)
        .where((StaffUser.id == staff_id) & (StaffUser.is_active.eq(True)))
        .first()
    )
    if staff is None:
        raise NotFound("No such staff member.")
    rows = (
        await Membership.select(Membership.brand.id, Membership.brand.name, Membership.brand.slug, Membership.role)
        .where(Membership.staff == staff_id)
        .order_by(Membership.brand.name)
    )
    brands = tuple(
        BrandAccess(row["brand.id"], row["brand.name"], row["brand.slug"], Role(row["role"])) for row in rows
    )
    return StaffContext(staff["id"], staff["email"], staff["name"], staff["is_admin"], brands)


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
