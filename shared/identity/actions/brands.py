"""Brands and memberships: opening a brand, granting someone a role in it."""

from __future__ import annotations

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.tables import Brand, Membership
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.actions.common import _has_totp
from shared.identity.queries import StaffContext
from shared.identity.rules import SECOND_FACTOR_ROLES, Role, can_create_brand, slugify, validate_brand
from shared.identity.sessions import revoke_sessions


async def do_create_brand(actor: Actor, staff: StaffContext, *, name: str, currency: str) -> Brand:
    """A deployment admin or an owner opens a new brand and becomes its owner."""
    if not can_create_brand(is_admin=staff.is_admin, roles=staff.roles):
        raise PermissionDenied("Only owners and administrators can create brands.")
    if errors := validate_brand(name, currency):
        raise InvalidInput(errors)
    async with atomic():
        slug = await _free_slug(slugify(name))
        brand = Brand(name=name.strip(), slug=slug, default_currency=currency)
        await brand.save()
        await Membership.insert(Membership(staff=staff.id, brand=brand.id, role=Role.OWNER.value))
        after = {"name": brand.name, "slug": slug, "currency": currency}
        await write_audit_row(actor, "brand.created", "brand", brand.id, brand_id=brand.id, after=after)
        await write_audit_row(
            actor, "membership.granted", "staff", staff.id, brand_id=brand.id, after={"role": Role.OWNER.value}
        )
    return brand


async def _free_slug(base: str) -> str:
    taken = {row["slug"] for row in await Brand.select(Brand.slug).where(Brand.slug.like(f"{base}%"))}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


async def do_grant_membership(actor: Actor, *, staff_id: int, brand_id: int, role: Role) -> None:
    """Give a staff member a role at a brand (replacing any role they had there).

    Owners and finance without TOTP are signed out, so they set it up before going on.
    """
    async with atomic():
        if not await Brand.exists().where(Brand.id == brand_id):
            raise NotFound("No such brand.")
        existing = (
            await Membership.objects().where((Membership.staff == staff_id) & (Membership.brand == brand_id)).first()
        )
        before = {"role": existing.role} if existing else None
        if existing:
            await Membership.update({Membership.role: role.value}).where(Membership.id == existing.id)
        else:
            await Membership.insert(Membership(staff=staff_id, brand=brand_id, role=role.value))
        await write_audit_row(
            actor, "membership.granted", "staff", staff_id, brand_id=brand_id, before=before, after={"role": role.value}
        )
        if role in SECOND_FACTOR_ROLES and not await _has_totp(staff_id):
            await revoke_sessions(f"staff:{staff_id}")  # their next sign-in sets up TOTP first
