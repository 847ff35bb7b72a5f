"""Identity actions: each is one transaction that writes its audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.tables import Brand, Creator, Membership, SocialIdentity, StaffUser
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.passwords import hash_password, password_problem, verify_password
from shared.identity.queries import StaffContext
from shared.identity.rules import Role, can_create_brand, slugify, validate_brand


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def do_create_staff_user(
    actor: Actor, *, email: str, name: str, password: str | None, is_admin: bool = False
) -> StaffUser:
    """Create a staff account; the email is unique and a password (if set) must be strong enough."""
    email = normalise_email(email)
    errors: dict[str, str] = {}
    if "@" not in email:
        errors["email"] = "Enter an email address like name@example.com."
    if not name.strip():
        errors["name"] = "Enter the person's name."
    if password is not None and (problem := password_problem(password)):
        errors["password"] = problem
    if errors:
        raise InvalidInput(errors)
    async with atomic():
        if await StaffUser.exists().where(StaffUser.email == email):
            raise InvalidInput({"email": "A staff account with this email already exists."})
        staff = StaffUser(
            email=email,
            name=name.strip(),
            password_hash=hash_password(password) if password is not None else None,
            is_admin=is_admin,
        )
        await staff.save()
        await write_audit_row(actor, "staff.created", "staff", staff.id, after={"email": email, "is_admin": is_admin})
    return staff


async def check_staff_sign_in(actor: Actor, *, email: str, password: str) -> int:
    """The staff id when email and password match an active account; audits success and failure."""
    email = normalise_email(email)
    async with atomic():
        staff = await StaffUser.objects().where(StaffUser.email == email).first()
        ok = staff is not None and staff.is_active and verify_password(staff.password_hash, password)
        if staff is None or not ok:
            # The failure is committed before refusing, so repeated guessing stays visible.
            await write_audit_row(actor, "staff.sign_in_failed", "staff", staff.id if staff else email)
        else:
            await StaffUser.update({StaffUser.last_sign_in_at: _now()}).where(StaffUser.id == staff.id)
            signed_in = Actor("staff", staff.id, staff.email, actor.ip, actor.request_id)
            await write_audit_row(signed_in, "staff.signed_in", "staff", staff.id)
    if staff is None or not ok:
        raise InvalidInput("That email and password do not match an active account.")
    return int(staff.id)


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
    """Give a staff member a role at a brand (replacing any role they had there)."""
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


@dataclass(frozen=True)
class SocialAccount:
    provider: str
    subject: str
    handle: str
    followers: int | None
    engagements_per_post: int | None = None
    source: str = ""


async def do_create_creator(
    actor: Actor,
    *,
    display_name: str,
    email: str | None,
    country: str | None,
    niches: Sequence[str],
    accounts: Sequence[SocialAccount],
    bio: str = "",
) -> Creator:
    """Create a creator with their linked social accounts; one social account belongs to one creator."""
    if not display_name.strip():
        raise InvalidInput({"display_name": "Enter the creator's name."})
    async with atomic():
        creator = Creator(
            display_name=display_name.strip(),
            email=normalise_email(email) if email else None,
            country=country.upper() if country else None,
            niches=list(niches),
            bio=bio,
        )
        try:
            await creator.save()
            now = _now()
            for account in accounts:
                await SocialIdentity.insert(
                    SocialIdentity(
                        creator=creator.id,
                        provider=account.provider,
                        subject=account.subject,
                        handle=account.handle,
                        followers=account.followers,
                        followers_read_at=now,
                        followers_source=account.source or account.provider,
                        engagements_per_post=account.engagements_per_post,
                    )
                )
        except asyncpg.UniqueViolationError as exc:
            raise InvalidInput("That email or social account already belongs to another creator.") from exc
        await write_audit_row(
            actor,
            "creator.created",
            "creator",
            creator.id,
            after={"display_name": creator.display_name, "accounts": [a.provider for a in accounts]},
        )
    return creator
