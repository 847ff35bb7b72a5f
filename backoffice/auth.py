"""Staff sign-in and sign-out (email + password; invitations, TOTP and SSO build on this)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from shared.errors import InvalidInput
from shared.identity.actions import check_staff_sign_in
from shared.web.auth import anonymous_actor, end_session, load_staff, start_staff_session
from shared.web.forms import read_form
from shared.web.guards import allow_anyone

HOME = "/backoffice/"


def safe_next(target: str | None) -> str:
    """Only same-site back-office paths: an open redirect after sign-in is a phishing tool."""
    if target and target.startswith("/backoffice") and not target.startswith("//"):
        return target
    return HOME


@get("/signin", guards=[allow_anyone], name="backoffice:signin")
async def signin_page(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template | Redirect:
    if await load_staff(request) is not None:
        return Redirect(safe_next(next))
    return Template("backoffice/auth_signin.html", context={"next": safe_next(next), "form": {}, "error": None})


@post("/signin", guards=[allow_anyone], status_code=303)
async def signin(request: Request[Any, Any, Any]) -> Template | Redirect:
    form = await read_form(request)
    try:
        staff_id = await check_staff_sign_in(
            anonymous_actor(request, form.get("email", "")),
            email=form.get("email", ""),
            password=form.get("password", ""),
        )
    except InvalidInput as exc:
        context = {"next": safe_next(form.get("next")), "form": {"email": form.get("email", "")}, "error": str(exc)}
        return Template("backoffice/auth_signin.html", context=context, status_code=400)
    start_staff_session(request, staff_id)
    return Redirect(safe_next(form.get("next")), status_code=303)


@post("/signout", guards=[allow_anyone], status_code=303)
async def signout(request: Request[Any, Any, Any]) -> Redirect:
    end_session(request)
    flash(request, "You are signed out.", category="info")
    return Redirect("/backoffice/signin", status_code=303)
