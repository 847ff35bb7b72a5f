"""Identity actions: each is one transaction that writes its audit row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.creators.projection import refresh_creator_projection
from shared.crypto import Encryptor, hash_token, new_token
from shared.db.tables import (
    Brand,
    Creator,
    Membership,
    RecoveryCode,
    SocialIdentity,
    StaffInvitation,
    StaffUser,
)
from shared.db.transactions import atomic, on_commit
from shared.errors import DomainError, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity import throttle, totp
from shared.identity.passwords import hash_password, password_problem, verify_password
from shared.identity.queries import StaffContext
from shared.identity.rules import (
    ACCOUNT_THRESHOLD,
    INVITATION_PROBLEMS,
    INVITATION_TTL_HOURS,
    IP_THRESHOLD,
    RECOVERY_CODE_COUNT,
    ROLE_LABELS,
    SECOND_FACTOR_ROLES,
    Role,
    can_create_brand,
    can_manage_team,
    invitation_state,
    leaves_brand_without_owner,
    needs_second_factor,
    slugify,
    validate_brand,
    validate_invitation,
)
from shared.identity.sessions import revoke_sessions
from shared.identity.throttle import TooManyAttempts
from shared.integrations.email import Mailer, render_email


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
    """The staff id when email and password match an active account; audits success and failure.

    Repeated failures lock the account and the address for growing delays (rules.lock_seconds);
    during a lock the password is not even checked, and the answer is the same for unknown emails.
    """
    email = normalise_email(email)
    keys = [f"account:{email}"] + ([f"ip:{actor.ip}"] if actor.ip else [])
    async with atomic():
        locked = await throttle.seconds_locked(keys)
        if locked:
            await write_audit_row(actor, "staff.sign_in_throttled", "staff", email[:64])
            staff, ok = None, False
        else:
            staff = await StaffUser.objects().where(StaffUser.email == email).first()
            ok = staff is not None and staff.is_active and verify_password(staff.password_hash, password)
        if not locked and (staff is None or not ok):
            # The failure is committed before refusing, so repeated guessing stays visible.
            await write_audit_row(actor, "staff.sign_in_failed", "staff", staff.id if staff else email[:64])
            await throttle.record_failure(f"account:{email}", ACCOUNT_THRESHOLD)
            if actor.ip:
                await throttle.record_failure(f"ip:{actor.ip}", IP_THRESHOLD)
        elif not locked and staff is not None:
            await throttle.reset(f"account:{email}")
            await StaffUser.update({StaffUser.last_sign_in_at: _now()}).where(StaffUser.id == staff.id)
            signed_in = Actor("staff", staff.id, staff.email, actor.ip, actor.request_id)
            await write_audit_row(signed_in, "staff.signed_in", "staff", staff.id)
    if locked:
        raise TooManyAttempts(locked)
    if staff is None or not ok:
        raise InvalidInput("That email and password do not match an active account.")
    return int(staff.id)


NO_STAFF_ACCOUNT = "No back-office account for this email; ask an owner for an invitation."
ALREADY_LINKED = (
    "Your back-office account is already linked to another single sign-on account; "
    "sign in with that one, or ask an administrator."
)


class SsoRefused(DomainError):
    """Single sign-on worked at the provider but does not let this person into the back-office."""


async def check_staff_sso_sign_in(
    actor: Actor, *, provider: str, subject: str, email: str | None, email_verified: bool
) -> int:
    """The staff id for a verified id_token: by (provider, subject), else by a verified email (then linked).

    SSO never creates staff accounts (invitations do) and never lets deactivated staff in. Linking
    by email needs the provider to vouch for the email (email_verified), and an account already
    linked to another SSO identity is not re-linked. Success and refusal are both audited.
    """
    after = {"method": "sso", "provider": provider}
    refusal = ""
    async with atomic():
        staff = (
            await StaffUser.objects()
            .where((StaffUser.sso_provider == provider) & (StaffUser.sso_subject == subject))
            .first()
        )
        linked = False
        if len(provider) > 40 or len(subject) > 255:  # the sso_provider / sso_subject column sizes
            refusal = "The sign-in provider sent an account identifier that is too long to link."
        elif staff is None:
            if not email or not email_verified:
                refusal = (
                    "Your sign-in provider did not confirm your email address, so it cannot be matched to a "
                    "back-office account. Sign in with your password, or ask your provider's administrator."
                )
            else:
                staff = await StaffUser.objects().where(StaffUser.email == normalise_email(email)).first()
                if staff is None:
                    refusal = NO_STAFF_ACCOUNT
                elif staff.sso_provider is not None:
                    refusal = ALREADY_LINKED
                else:
                    linked = True
        if not refusal and staff is not None and not staff.is_active:
            refusal = "This back-office account is deactivated; ask an owner if you need access again."
        if linked and not refusal and staff is not None:
            # Conditional, so two first sign-ins racing for one account cannot both link it.
            claimed = await StaffUser.raw(
                "UPDATE staff_user SET sso_provider = {}, sso_subject = {} "
                "WHERE id = {} AND sso_provider IS NULL RETURNING id",
                provider,
                subject,
                staff.id,
            )
            if not claimed:
                refusal = ALREADY_LINKED
        if refusal or staff is None:
            target: int | str = staff.id if staff is not None else f"{provider}:{subject}"[:64]
            await write_audit_row(actor, "staff.sign_in_failed", "staff", target, after={**after, "reason": refusal})
        else:
            signed_in = Actor("staff", staff.id, staff.email, actor.ip, actor.request_id)
            if linked:
                await write_audit_row(
                    signed_in, "staff.sso_linked", "staff", staff.id, after={"provider": provider, "subject": subject}
                )
            await StaffUser.update({StaffUser.last_sign_in_at: _now()}).where(StaffUser.id == staff.id)
            await write_audit_row(signed_in, "staff.signed_in", "staff", staff.id, after=after)
    if refusal or staff is None:
        raise SsoRefused(refusal or NO_STAFF_ACCOUNT)
    return int(staff.id)


async def do_record_staff_sso_failure(actor: Actor, *, provider: str, reason: str) -> None:
    """A staff SSO callback that was refused before anyone was identified (state, provider error, id_token)."""
    async with atomic():
        await write_audit_row(
            actor, "staff.sign_in_failed", "staff", f"sso:{provider}"[:64], after={"method": "sso", "reason": reason}
        )


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
            # Created with a complete profile (demo data, imports): nothing left to onboard.
            onboarded_at=_now(),
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
        await refresh_creator_projection(int(creator.id))
        await write_audit_row(
            actor,
            "creator.created",
            "creator",
            creator.id,
            after={"display_name": creator.display_name, "accounts": [a.provider for a in accounts]},
        )
    return creator


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


async def _has_totp(staff_id: int) -> bool:
    return bool(await StaffUser.exists().where((StaffUser.id == staff_id) & StaffUser.totp_enabled_at.is_not_null()))


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


# --- second factor (TOTP) and sessions -----------------------------------------------------------


async def _active_staff(staff_id: int) -> StaffUser:
    staff = await StaffUser.objects().where((StaffUser.id == staff_id) & StaffUser.is_active.eq(True)).first()
    if staff is None:
        raise NotFound("No such staff member.")
    return staff


@dataclass(frozen=True)
class TotpSetup:
    secret: str  # shown as text too, for apps that cannot scan
    uri: str  # otpauth://
    qr_svg: str


async def do_start_totp_enrolment(actor: Actor, encryptor: Encryptor, *, staff_id: int) -> TotpSetup:
    """The key for a new authenticator app; a reload shows the same one until it is confirmed."""
    async with atomic():
        staff = await _active_staff(staff_id)
        if staff.totp_enabled_at is not None:
            raise IllegalTransition("Two-step sign-in is already on.")
        secret = encryptor.decrypt(staff.totp_secret_enc) if staff.totp_secret_enc else None
        if secret is None:
            secret = totp.new_secret()
            await StaffUser.update({StaffUser.totp_secret_enc: encryptor.encrypt(secret)}).where(
                StaffUser.id == staff_id
            )
            await write_audit_row(actor, "staff.totp_enrolment_started", "staff", staff_id)
    uri = totp.provisioning_uri(secret, staff.email)
    return TotpSetup(secret, uri, totp.qr_svg(uri))


async def _new_recovery_codes(staff_id: int) -> list[str]:
    codes = totp.new_recovery_codes(RECOVERY_CODE_COUNT)
    await RecoveryCode.delete().where(RecoveryCode.staff == staff_id)
    await RecoveryCode.insert(*(RecoveryCode(staff=staff_id, code_hash=totp.hash_recovery_code(c)) for c in codes))
    return codes


async def check_totp_enrolment(actor: Actor, encryptor: Encryptor, *, staff_id: int, code: str) -> list[str]:
    """Turn TOTP on once a code from the new authenticator is right; returns ten recovery codes, shown once."""
    async with atomic():
        staff = await _active_staff(staff_id)
        if staff.totp_enabled_at is not None:
            raise IllegalTransition("Two-step sign-in is already on.")
        secret = encryptor.decrypt(staff.totp_secret_enc) if staff.totp_secret_enc else None
        if secret is None:
            raise IllegalTransition("Start the set-up again: the authenticator key has expired.")
        if not totp.code_is_valid(secret, code):
            raise InvalidInput({"code": "That code is not right. Enter the 6 digits your app shows now."})
        await StaffUser.update({StaffUser.totp_enabled_at: _now()}).where(StaffUser.id == staff_id)
        codes = await _new_recovery_codes(staff_id)
        await write_audit_row(actor, "staff.totp_enabled", "staff", staff_id)
    return codes


async def check_second_factor(actor: Actor, encryptor: Encryptor, *, staff_id: int, code: str) -> None:
    """After the password: a current TOTP code or an unused recovery code (which is then spent)."""
    key = f"totp:{staff_id}"
    async with atomic():
        locked = await throttle.seconds_locked([key])
        method = ""
        if not locked:
            staff = await _active_staff(staff_id)
            secret = encryptor.decrypt(staff.totp_secret_enc) if staff.totp_secret_enc else None
            if staff.totp_enabled_at is not None and secret is not None and totp.code_is_valid(secret, code):
                method = "totp"
            elif staff.totp_enabled_at is not None and totp.normalise_recovery_code(code):
                unused = await RecoveryCode.select(RecoveryCode.id, RecoveryCode.code_hash).where(
                    (RecoveryCode.staff == staff_id) & RecoveryCode.used_at.is_null()
                )
                match = next((row["id"] for row in unused if totp.recovery_code_matches(code, row["code_hash"])), None)
                if match is not None:
                    spent = await RecoveryCode.raw(
                        "UPDATE recovery_code SET used_at = now() WHERE id = {} AND used_at IS NULL RETURNING id", match
                    )
                    method = "recovery_code" if spent else ""
            if method:
                await throttle.reset(key)
                await write_audit_row(actor, "staff.second_factor_passed", "staff", staff_id, after={"method": method})
            else:
                await throttle.record_failure(key, ACCOUNT_THRESHOLD)
                await write_audit_row(actor, "staff.second_factor_failed", "staff", staff_id)
    if locked:
        raise TooManyAttempts(locked)
    if not method:
        raise InvalidInput(
            {"code": "That code is not right. Enter the 6 digits your app shows now, or a recovery code."}
        )


async def do_regenerate_recovery_codes(actor: Actor, *, staff_id: int) -> list[str]:
    """Replace every recovery code with ten new ones (the old ones stop working)."""
    async with atomic():
        staff = await _active_staff(staff_id)
        if staff.totp_enabled_at is None:
            raise IllegalTransition("Turn on two-step sign-in first.")
        codes = await _new_recovery_codes(staff_id)
        await write_audit_row(actor, "staff.recovery_codes_regenerated", "staff", staff_id)
    return codes


async def do_disable_totp(actor: Actor, staff: StaffContext) -> None:
    """Turn TOTP off; refused to owners and finance, who must keep it."""
    if needs_second_factor(staff.roles):
        raise PermissionDenied("Owners and finance staff must keep two-step sign-in on.")
    async with atomic():
        await StaffUser.update({StaffUser.totp_enabled_at: None, StaffUser.totp_secret_enc: None}).where(
            StaffUser.id == staff.id
        )
        await RecoveryCode.delete().where(RecoveryCode.staff == staff.id)
        await write_audit_row(actor, "staff.totp_disabled", "staff", staff.id)


async def do_sign_out_everywhere(actor: Actor, staff: StaffContext, *, keep_session: str | None) -> int:
    """End every other session of this staff member (other browsers, a lost laptop); returns how many."""
    async with atomic():
        ended = await revoke_sessions(f"staff:{staff.id}", except_key=keep_session)
        await write_audit_row(actor, "staff.signed_out_everywhere", "staff", staff.id, after={"sessions_ended": ended})
    return ended
