"""Staff sign-in and sign-out: email + password (or SSO, backoffice/sso.py), then a TOTP code or its set-up."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import encryptor_of, settings_of
from shared.audit.context import Actor
from shared.errors import IllegalTransition, InvalidInput
from shared.identity.actions import (
    check_second_factor,
    check_staff_sign_in,
    check_totp_enrolment,
    do_start_totp_enrolment,
)
from shared.identity.queries import get_second_factor_step
from shared.identity.throttle import TooManyAttempts
from shared.web.auth import (
    anonymous_actor,
    client_ip,
    end_session,
    load_staff,
    pending_sign_in,
    staff_sso_providers,
    start_pending_sign_in,
    start_staff_session,
)
from shared.web.forms import Form, Text, read_form
from shared.web.guards import allow_anyone
from shared.web.middleware import request_id_of

HOME = "/backoffice/"
SIGNIN = "/backoffice/signin"
CODE_STEP = "/backoffice/signin/code"
ENROL_STEP = "/backoffice/signin/enrol"


# StaffUser.email is varchar(320); passwords are hashed, so only a sane bound; `next` is checked by safe_next.
SIGNIN_FORM = Form(email=Text(max_length=320), password=Text(max_length=1000), next=Text(max_length=2000))
# A TOTP code (6 digits) or a recovery code, as typed with spaces or dashes.
CODE_FORM = Form(code=Text(max_length=40))


def safe_next(target: str | None) -> str:
    """Only same-site back-office paths: an open redirect after sign-in is a phishing tool."""
    if target and target.startswith("/backoffice") and not target.startswith("//"):
        return target
    return HOME


def _pending_actor(request: Request[Any, Any, Any], staff_id: int) -> Actor:
    return Actor("staff", staff_id, f"staff:{staff_id}", client_ip(request), request_id_of(request.scope))


def _signin_page(
    request: Request[Any, Any, Any],
    next_url: str,
    form: dict[str, str],
    error: str | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Template:
    context = {"next": next_url, "form": form, "error": error, "providers": staff_sso_providers(settings_of(request))}
    return Template("backoffice/auth_signin.html", context=context, status_code=status, headers=headers)


@get("/signin", guards=[allow_anyone], name="backoffice:signin")
async def signin_page(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template | Redirect:
    if await load_staff(request) is not None:
        return Redirect(safe_next(next))
    return _signin_page(request, safe_next(next), {}, None)


async def continue_after_first_factor(request: Request[Any, Any, Any], staff_id: int, next_url: str) -> Redirect:
    """Password or SSO done: signed in, or on to the TOTP code or its forced set-up (session id rotated)."""
    step = await get_second_factor_step(staff_id)
    if step == "none":
        start_staff_session(request, staff_id)
        return Redirect(next_url, status_code=303)
    start_pending_sign_in(request, staff_id, step, next_url)
    return Redirect(CODE_STEP if step == "code" else ENROL_STEP, status_code=303)


@post("/signin", guards=[allow_anyone], status_code=303, opt={"form": SIGNIN_FORM})
async def signin(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    next_url = safe_next(form.values["next"])
    try:
        form.check()
        staff_id = await check_staff_sign_in(
            anonymous_actor(request, form.values["email"]),
            email=form.values["email"],
            password=form.values["password"],
        )
    except (InvalidInput, TooManyAttempts) as exc:
        throttled = isinstance(exc, TooManyAttempts)
        headers = {"retry-after": str(exc.retry_after_seconds)} if isinstance(exc, TooManyAttempts) else None
        form_kept = {"email": form.text.get("email", "")}
        return _signin_page(request, next_url, form_kept, str(exc), 429 if throttled else 400, headers)
    return await continue_after_first_factor(request, staff_id, next_url)


def _code_page(error: str | None = None, status: int = 200) -> Template:
    return Template("backoffice/auth_code.html", context={"error": error}, status_code=status)


@get("/signin/code", guards=[allow_anyone])
async def code_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    if pending_sign_in(request, "code") is None:
        return Redirect(SIGNIN)
    return _code_page()


@post("/signin/code", guards=[allow_anyone], status_code=303, opt={"form": CODE_FORM})
async def submit_code(request: Request[Any, Any, Any]) -> Template | Redirect:
    pending = pending_sign_in(request, "code")
    if pending is None:
        flash(request, "Your sign-in timed out. Please start again.", category="error")
        return Redirect(SIGNIN, status_code=303)
    staff_id, next_url = pending
    form = await read_form(request)
    try:
        form.check()
        await check_second_factor(
            _pending_actor(request, staff_id), encryptor_of(request), staff_id=staff_id, code=form.values["code"]
        )
    except TooManyAttempts as exc:
        return _code_page(str(exc), status=429)
    except InvalidInput as exc:
        return _code_page(exc.errors.get("code") or str(exc), status=400)
    start_staff_session(request, staff_id)
    return Redirect(safe_next(next_url), status_code=303)


async def _enrol_page(request: Request[Any, Any, Any], staff_id: int, error: str | None, status: int) -> Template:
    setup = await do_start_totp_enrolment(_pending_actor(request, staff_id), encryptor_of(request), staff_id=staff_id)
    context = {"setup": setup, "error": error, "action": ENROL_STEP, "forced": True}
    return Template("backoffice/account_totp.html", context=context, status_code=status)


@get("/signin/enrol", guards=[allow_anyone])
async def enrol_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    pending = pending_sign_in(request, "enrol")
    if pending is None:
        return Redirect(SIGNIN)
    return await _enrol_page(request, pending[0], None, 200)


@post("/signin/enrol", guards=[allow_anyone], status_code=303, opt={"form": CODE_FORM})
async def submit_enrolment(request: Request[Any, Any, Any]) -> Template | Redirect:
    pending = pending_sign_in(request, "enrol")
    if pending is None:
        flash(request, "Your sign-in timed out. Please start again.", category="error")
        return Redirect(SIGNIN, status_code=303)
    staff_id, next_url = pending
    form = await read_form(request)
    actor = _pending_actor(request, staff_id)
    try:
        form.check()
        codes = await check_totp_enrolment(actor, encryptor_of(request), staff_id=staff_id, code=form.values["code"])
    except InvalidInput as exc:
        return await _enrol_page(request, staff_id, exc.errors.get("code") or str(exc), 400)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(SIGNIN, status_code=303)
    start_staff_session(request, staff_id)
    return Template(
        "backoffice/account_recovery_codes.html",
        context={"codes": codes, "continue_url": safe_next(next_url)},
        status_code=200,
    )


@post("/signout", guards=[allow_anyone], status_code=303)
async def signout(request: Request[Any, Any, Any]) -> Redirect:
    end_session(request)
    flash(request, "You are signed out.", category="info")
    return Redirect("/backoffice/signin", status_code=303)
