"""Accepting an invitation from its emailed link: a new person sets up an account, an existing one just joins."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.auth import ENROL_STEP
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.actions import check_accept_invitation_as_new_staff, do_accept_invitation
from shared.identity.queries import InvitationView, get_invitation, get_second_factor_step
from shared.identity.rules import INVITATION_PROBLEMS, ROLE_LABELS
from shared.web.auth import anonymous_actor, load_staff, staff_actor, start_pending_sign_in, start_staff_session
from shared.web.forms import Form, Text, read_form
from shared.web.guards import allow_anyone

JOIN_FORM = Form(name=Text(max_length=200), password=Text(max_length=1000))  # StaffUser.name; a hashed password


def _problem(message: str, status: int) -> Template:
    return Template("backoffice/invitation_problem.html", context={"message": message}, status_code=status)


def _page(
    token: str, invitation: InvitationView, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> Template:
    context = {
        "token": token,
        "invitation": invitation,
        "role_label": ROLE_LABELS[invitation.role],
        "form": form,
        "errors": errors,
    }
    return Template("backoffice/invitation_accept.html", context=context, status_code=status)


@get("/invitations/{token:str}", guards=[allow_anyone])
async def invitation_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    try:
        invitation = await get_invitation(token)
    except NotFound as exc:
        return _problem(str(exc), 404)
    if invitation.state != "pending":
        return _problem(INVITATION_PROBLEMS[invitation.state], 410)
    await load_staff(request)  # the page differs for the invited person signed in, someone else, or nobody
    return _page(token, invitation, {}, {})


async def _after_joining(request: Request[Any, Any, Any], staff_id: int, next_url: str, message: str) -> Redirect:
    """Signed in, unless their new role needs two-step sign-in that is not set up yet."""
    if await get_second_factor_step(staff_id) == "enrol":
        start_pending_sign_in(request, staff_id, "enrol", next_url)
        flash(request, message, category="success")  # after: starting a session clears the old one
        return Redirect(ENROL_STEP, status_code=303)
    start_staff_session(request, staff_id)
    flash(request, message, category="success")
    return Redirect(next_url, status_code=303)


@post("/invitations/{token:str}", guards=[allow_anyone], status_code=303, opt={"form": JOIN_FORM})
async def accept_invitation(request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
    form = await read_form(request)
    staff = await load_staff(request)
    try:
        invitation = await get_invitation(token)
        if invitation.state != "pending":
            return _problem(INVITATION_PROBLEMS[invitation.state], 410)
        if invitation.has_account:
            if staff is None:
                return Redirect(f"/backoffice/signin?next=/backoffice/invitations/{token}", status_code=303)
            slug = await do_accept_invitation(staff_actor(request, staff), staff, token=token)
            joined = f"You joined {invitation.brand_name} as {ROLE_LABELS[invitation.role]}."
            return await _after_joining(request, staff.id, f"/backoffice/b/{slug}", joined)
        form.check()
        staff_id = await check_accept_invitation_as_new_staff(
            anonymous_actor(request, invitation.email),
            token=token,
            name=form.values["name"],
            password=form.values["password"],
        )
    except NotFound as exc:
        return _problem(str(exc), 404)
    except (IllegalTransition, PermissionDenied) as exc:
        return _problem(str(exc), 410 if isinstance(exc, IllegalTransition) else 403)
    except InvalidInput as exc:
        return _page(token, invitation, {"name": form.text.get("name", "")}, exc.errors, status=400)
    return await _after_joining(request, staff_id, "/backoffice/", f"Welcome to {invitation.brand_name}.")
