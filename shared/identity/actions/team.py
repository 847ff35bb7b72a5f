"""The team: invitations, roles and removal."""

from __future__ import annotations

import datetime as dt

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.crypto import hash_token, new_token
from shared.db.tables import Brand, Membership, StaffInvitation, StaffUser
from shared.db.transactions import atomic, on_commit
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.actions.common import _has_totp, _now, normalise_email
from shared.identity.passwords import hash_password, password_problem
from shared.identity.queries import StaffContext
from shared.identity.rules import (
    INVITATION_PROBLEMS,
    INVITATION_TTL_HOURS,
    ROLE_LABELS,
    SECOND_FACTOR_ROLES,
    Role,
    can_manage_team,
    invitation_state,
    leaves_brand_without_owner,
    validate_invitation,
)
from shared.identity.sessions import revoke_sessions
from shared.integrations.email import Mailer, render_email

# --- team: invitations, roles, removal ---------------------------------------------------------


def _require_team_manager(staff: StaffContext, brand_id: int) -> None:
    if not can_manage_team(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners can change the team.")


async def _owner_ids_locked(brand_id: int) -> set[int]:
    """The brand's owners, with their membership rows locked so two demotions cannot race past the last owner."""
    rows = await Membership.raw("SELECT staff FROM membership WHERE brand = {} AND role = 'owner' FOR UPDATE", brand_id)
    return {int(row["staff"]) for row in rows}


async def do_invite_staff(
    actor: Actor, staff: StaffContext, mailer: Mailer, *, brand_id: int, email: str, role: str, base_url: str
) -> StaffInvitation:
    """An owner invites someone by email with a role; the one-time link (72 h) is emailed after commit."""
    _require_team_manager(staff, brand_id)
    email = normalise_email(email)
    if errors := validate_invitation(email, role):
        raise InvalidInput(errors)
    token = new_token()
    async with atomic():
        brand = await Brand.objects().where(Brand.id == brand_id).first()
        if brand is None:
            raise NotFound("No such brand.")
        if await Membership.exists().where((Membership.brand == brand_id) & (Membership.staff.email == email)):
            raise InvalidInput({"email": f"{email} is already on the team; change their role in the table."})
        # Inviting the same address again replaces the earlier link (a resend).
        now = _now()
        await StaffInvitation.update({StaffInvitation.revoked_at: now}).where(
            (StaffInvitation.brand == brand_id)
            & (StaffInvitation.email == email)
            & StaffInvitation.accepted_at.is_null()
            & StaffInvitation.revoked_at.is_null()
        )
        invitation = StaffInvitation(
            email=email,
            brand=brand_id,
            role=role,
            token_hash=hash_token(token),
            invited_by=staff.id,
            expires_at=now + dt.timedelta(hours=INVITATION_TTL_HOURS),
        )
        await invitation.save()
        await write_audit_row(
            actor,
            "invitation.created",
            "invitation",
            invitation.id,
            brand_id=brand_id,
            after={"email": email, "role": role},
        )
        message = render_email(
            "staff_invitation",
            to=email,
            inviter=staff.name,
            brand=brand.name,
            role=ROLE_LABELS[Role(role)],
            hours=INVITATION_TTL_HOURS,
            link=f"{base_url.rstrip('/')}/backoffice/invitations/{token}",
        )

        async def send() -> None:
            await mailer.send_quietly(message)

        on_commit(send)
    return invitation


async def do_revoke_invitation(actor: Actor, staff: StaffContext, *, brand_id: int, invitation_id: int) -> None:
    """An owner withdraws a pending invitation; its link stops working at once."""
    _require_team_manager(staff, brand_id)
    async with atomic():
        rows = await StaffInvitation.raw(
            """
            UPDATE staff_invitation SET revoked_at = now()
            WHERE id = {} AND brand = {} AND accepted_at IS NULL AND revoked_at IS NULL
            RETURNING email
            """,
            invitation_id,
            brand_id,
        )
        if not rows:
            raise NotFound("No such pending invitation.")
        await write_audit_row(
            actor,
            "invitation.revoked",
            "invitation",
            invitation_id,
            brand_id=brand_id,
            before={"email": rows[0]["email"]},
        )


async def do_change_member_role(actor: Actor, staff: StaffContext, *, brand_id: int, staff_id: int, role: str) -> None:
    """An owner changes a member's role; the last owner cannot be demoted.

    Someone who now must use a second factor but has none is signed out everywhere, so their next
    sign-in walks them through setting it up.
    """
    _require_team_manager(staff, brand_id)
    if role not in {r.value for r in Role}:
        raise InvalidInput({"role": "Choose a role."})
    new_role = Role(role)
    async with atomic():
        owners = await _owner_ids_locked(brand_id)
        member = (
            await Membership.objects().where((Membership.brand == brand_id) & (Membership.staff == staff_id)).first()
        )
        if member is None:
            raise NotFound("No such team member.")
        if leaves_brand_without_owner(owners, staff_id, new_role):
            raise InvalidInput("A brand needs at least one owner: make someone else owner first.")
        if member.role == new_role.value:
            return
        await Membership.update({Membership.role: new_role.value}).where(Membership.id == member.id)
        await write_audit_row(
            actor,
            "membership.role_changed",
            "staff",
            staff_id,
            brand_id=brand_id,
            before={"role": member.role},
            after={"role": new_role.value},
        )
        if new_role in SECOND_FACTOR_ROLES and not await _has_totp(staff_id):
            await revoke_sessions(f"staff:{staff_id}")


async def do_remove_member(actor: Actor, staff: StaffContext, *, brand_id: int, staff_id: int) -> None:
    """An owner removes someone from the brand; the last owner cannot be removed."""
    _require_team_manager(staff, brand_id)
    async with atomic():
        owners = await _owner_ids_locked(brand_id)
        member = (
            await Membership.objects().where((Membership.brand == brand_id) & (Membership.staff == staff_id)).first()
        )
        if member is None:
            raise NotFound("No such team member.")
        if leaves_brand_without_owner(owners, staff_id, None):
            raise InvalidInput("A brand needs at least one owner: make someone else owner first.")
        await Membership.delete().where(Membership.id == member.id)
        await write_audit_row(
            actor, "membership.removed", "staff", staff_id, brand_id=brand_id, before={"role": member.role}
        )


async def _claim_invitation(token: str) -> StaffInvitation:
    """Mark a pending invitation accepted (exactly once, even under concurrent clicks), or say why not."""
    rows = await StaffInvitation.raw(
        """
        UPDATE staff_invitation SET accepted_at = now()
        WHERE token_hash = {} AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()
        RETURNING id
        """,
        hash_token(token),
    )
    if not rows:
        raise IllegalTransition(await _why_unusable(token))
    invitation = await StaffInvitation.objects().where(StaffInvitation.id == rows[0]["id"]).first()
    assert invitation is not None
    return invitation


async def _why_unusable(token: str) -> str:
    invitation = await StaffInvitation.objects().where(StaffInvitation.token_hash == hash_token(token)).first()
    if invitation is None:
        return "This invitation link is not valid. Check that you copied the whole link."
    state = invitation_state(
        accepted=invitation.accepted_at is not None,
        revoked=invitation.revoked_at is not None,
        expired=invitation.expires_at <= _now(),
    )
    return INVITATION_PROBLEMS.get(state, INVITATION_PROBLEMS["accepted"])


async def check_accept_invitation_as_new_staff(actor: Actor, *, token: str, name: str, password: str) -> int:
    """A person without an account accepts: they choose their name and a strong password, and join the brand."""
    async with atomic():
        invitation = await _claim_invitation(token)
        email = invitation.email
        errors: dict[str, str] = {}
        if not name.strip():
            errors["name"] = "Enter your name as your team will see it."
        elif len(name.strip()) > 200:
            errors["name"] = "Keep your name under 200 characters."
        if problem := password_problem(password, email=email, name=name):
            errors["password"] = problem
        if errors:
            raise InvalidInput(errors)  # rolls the claim back: the link still works
        if await StaffUser.exists().where(StaffUser.email == email):
            raise IllegalTransition("You already have an account: sign in, then open the link again.")
        staff = StaffUser(email=email, name=name.strip(), password_hash=hash_password(password))
        await staff.save()
        await Membership.insert(Membership(staff=staff.id, brand=invitation.brand, role=invitation.role))
        joined = Actor("staff", staff.id, email, actor.ip, actor.request_id)
        await write_audit_row(joined, "staff.created", "staff", staff.id, after={"email": email, "is_admin": False})
        await write_audit_row(
            joined,
            "invitation.accepted",
            "invitation",
            invitation.id,
            brand_id=int(invitation.brand),
            after={"email": email, "role": invitation.role, "staff_id": int(staff.id)},
        )
    return int(staff.id)


async def do_accept_invitation(actor: Actor, staff: StaffContext, *, token: str) -> str:
    """A signed-in staff member accepts an invitation sent to their own email; returns the brand's slug."""
    async with atomic():
        invitation = await _claim_invitation(token)
        if invitation.email != staff.email:
            raise PermissionDenied(
                f"This invitation was sent to another email address; you are signed in as {staff.email}."
            )
        existing = (
            await Membership.objects()
            .where((Membership.brand == invitation.brand) & (Membership.staff == staff.id))
            .first()
        )
        if existing is None:
            await Membership.insert(Membership(staff=staff.id, brand=invitation.brand, role=invitation.role))
        await write_audit_row(
            actor,
            "invitation.accepted",
            "invitation",
            invitation.id,
            brand_id=int(invitation.brand),
            after={"email": staff.email, "role": invitation.role, "staff_id": staff.id},
        )
        brand = await Brand.select(Brand.slug).where(Brand.id == invitation.brand).first()
    assert brand is not None
    return str(brand["slug"])
