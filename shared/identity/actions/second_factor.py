"""The second factor (TOTP), recovery codes, and signing out everywhere."""

from __future__ import annotations

from dataclasses import dataclass

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.crypto import Encryptor
from shared.db.tables import RecoveryCode, StaffUser
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity import throttle, totp
from shared.identity.actions.common import _now
from shared.identity.queries import StaffContext
from shared.identity.rules import ACCOUNT_THRESHOLD, RECOVERY_CODE_COUNT, needs_second_factor
from shared.identity.sessions import revoke_sessions
from shared.identity.throttle import TooManyAttempts

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
