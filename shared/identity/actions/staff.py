"""Staff accounts and signing in: password, single sign-on, and its refusals."""

from __future__ import annotations

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.tables import StaffUser
from shared.db.transactions import atomic
from shared.errors import DomainError, InvalidInput
from shared.identity import throttle
from shared.identity.actions.common import _now, normalise_email
from shared.identity.passwords import hash_password, password_problem, verify_password
from shared.identity.rules import ACCOUNT_THRESHOLD, IP_THRESHOLD
from shared.identity.throttle import TooManyAttempts


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
