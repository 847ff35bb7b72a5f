"""The signed-in staff member's own account: two-step sign-in, recovery codes, signing out everywhere."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import encryptor_of
from backoffice.guards import requires_staff
from shared.audit.context import Actor
from shared.dates import TIME_ZONE_MAX
from shared.errors import IllegalTransition, InvalidInput, PermissionDenied
from shared.identity.actions import (
    check_totp_enrolment,
    do_disable_totp,
    do_regenerate_recovery_codes,
    do_set_time_zone,
    do_sign_out_everywhere,
    do_start_totp_enrolment,
)
from shared.identity.queries import StaffContext, get_second_factor_status
from shared.web.auth import current_session_key
from shared.web.forms import Form, Text, read_form

ACCOUNT = "/backoffice/account"


CODE_FORM = Form(code=Text(max_length=40))  # the 6-digit code from the authenticator app, as typed


TIME_ZONE_FORM = Form(time_zone=Text(max_length=TIME_ZONE_MAX))


async def _account_page(
    staff: StaffContext, *, form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> Template:
    second_factor = await get_second_factor_status(staff)
    return Template(
        "backoffice/account.html",
        context={"status": second_factor, "me": staff, "form": form or {}, "errors": errors or {}},
        status_code=status,
    )


@get("/account", guards=[requires_staff])
async def account_page(staff: NamedDependency[StaffContext]) -> Template:
    return await _account_page(staff)


@post("/account/time-zone", guards=[requires_staff], status_code=303, opt={"form": TIME_ZONE_FORM})
async def set_time_zone(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_set_time_zone(actor, "staff", staff.id, zone=form.values["time_zone"])
    except InvalidInput as exc:
        return await _account_page(staff, form=form.text, errors=exc.errors, status=400)
    flash(request, "Time zone saved: your pages read today's date in it.", category="success")
    return Redirect(ACCOUNT, status_code=303)


async def _totp_page(request: Request[Any, Any, Any], actor: Actor, staff: StaffContext, error: str | None) -> Template:
    setup = await do_start_totp_enrolment(actor, encryptor_of(request), staff_id=staff.id)
    context = {"setup": setup, "error": error, "action": f"{ACCOUNT}/totp", "forced": False}
    return Template("backoffice/account_totp.html", context=context, status_code=400 if error else 200)


@get("/account/totp", guards=[requires_staff])
async def totp_page(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    try:
        return await _totp_page(request, actor, staff, None)
    except IllegalTransition as exc:
        flash(request, str(exc), category="info")
        return Redirect(ACCOUNT)


@post("/account/totp", guards=[requires_staff], status_code=200, opt={"form": CODE_FORM})
async def enable_totp(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        codes = await check_totp_enrolment(actor, encryptor_of(request), staff_id=staff.id, code=form.values["code"])
    except InvalidInput as exc:
        return await _totp_page(request, actor, staff, exc.errors.get("code") or str(exc))
    except IllegalTransition as exc:
        flash(request, str(exc), category="info")
        return Redirect(ACCOUNT, status_code=303)
    return Template("backoffice/account_recovery_codes.html", context={"codes": codes, "continue_url": ACCOUNT})


@post("/account/totp/disable", guards=[requires_staff], status_code=303)
async def disable_totp(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffContext], actor: NamedDependency[Actor]
) -> Redirect:
    try:
        await do_disable_totp(actor, staff)
    except PermissionDenied as exc:
        flash(request, str(exc), category="error")
        return Redirect(ACCOUNT, status_code=303)
    flash(request, "Two-step sign-in is off.", category="success")
    return Redirect(ACCOUNT, status_code=303)


@post("/account/recovery-codes", guards=[requires_staff], status_code=200)
async def regenerate_recovery_codes(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    try:
        codes = await do_regenerate_recovery_codes(actor, staff_id=staff.id)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(ACCOUNT, status_code=303)
    return Template("backoffice/account_recovery_codes.html", context={"codes": codes, "continue_url": ACCOUNT})


@post("/account/sign-out-everywhere", guards=[requires_staff], status_code=303)
async def sign_out_everywhere(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffContext], actor: NamedDependency[Actor]
) -> Redirect:
    ended = await do_sign_out_everywhere(actor, staff, keep_session=current_session_key(request))
    noun = "session" if ended == 1 else "sessions"
    flash(request, f"Signed out {ended} other {noun}. This browser stays signed in.", category="success")
    return Redirect(ACCOUNT, status_code=303)
