"""A brand's team: members and their roles, pending invitations; owners invite, change roles, remove."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import mailer_of, settings_of
from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.errors import InvalidInput
from shared.identity.actions import do_change_member_role, do_invite_staff, do_remove_member, do_revoke_invitation
from shared.identity.queries import BrandAccess, StaffContext, list_brand_members, list_pending_invitations
from shared.identity.rules import ROLE_LABELS, Role, can_manage_team
from shared.web.forms import Choice, Form, Text, read_form

OWNERS = requires_role(Role.OWNER)


ROLE_CHOICE = Choice(options=tuple(Role), message="Choose a role.")
INVITE_FORM = Form(email=Text(max_length=320), role=ROLE_CHOICE)  # StaffInvitation.email
ROLE_FORM = Form(role=ROLE_CHOICE)


def _team_url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/team"


async def _team_page(
    brand: BrandAccess, staff: StaffContext, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> Template:
    manages = can_manage_team(brand.role)
    members = await list_brand_members(brand.brand_id)
    invitations = await list_pending_invitations(brand.brand_id) if manages else []
    return Template(
        "backoffice/team.html",
        context={
            "brand": brand,
            "me": staff,
            "members": members,
            "invitations": invitations,
            "manages": manages,
            "roles": list(Role),
            "role_labels": ROLE_LABELS,
            "form": form,
            "errors": errors,
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/team", guards=[requires_role(*ALL_ROLES)])
async def team_page(brand: NamedDependency[BrandAccess], staff: NamedDependency[StaffContext]) -> Template:
    return await _team_page(brand, staff, {"role": Role.MANAGER.value}, {})


@post("/b/{brand_slug:str}/team/invitations", guards=[OWNERS], status_code=303, opt={"form": INVITE_FORM})
async def invite(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        invitation = await do_invite_staff(
            actor,
            staff,
            mailer_of(request),
            brand_id=brand.brand_id,
            email=form.values["email"],
            role=form.values["role"],
            base_url=settings_of(request).base_url,
        )
    except InvalidInput as exc:
        return await _team_page(brand, staff, form.text, exc.errors, status=400)
    flash(request, f"Invitation sent to {invitation.email}. The link works for 72 hours.", category="success")
    return Redirect(_team_url(brand), status_code=303)


@post("/b/{brand_slug:str}/team/invitations/{invitation_id:int}/revoke", guards=[OWNERS], status_code=303)
async def revoke_invitation(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    invitation_id: FromPath[int],
) -> Redirect:
    await do_revoke_invitation(actor, staff, brand_id=brand.brand_id, invitation_id=invitation_id)
    flash(request, "Invitation withdrawn: its link no longer works.", category="success")
    return Redirect(_team_url(brand), status_code=303)


@post(
    "/b/{brand_slug:str}/team/members/{member_id:int}/role", guards=[OWNERS], status_code=303, opt={"form": ROLE_FORM}
)
async def change_role(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    member_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_change_member_role(actor, staff, brand_id=brand.brand_id, staff_id=member_id, role=form.values["role"])
    except InvalidInput as exc:
        return await _team_page(brand, staff, {"role": Role.MANAGER.value}, exc.errors, status=400)
    flash(request, "Role changed.", category="success")
    return Redirect(_team_url(brand), status_code=303)


@post("/b/{brand_slug:str}/team/members/{member_id:int}/remove", guards=[OWNERS], status_code=303)
async def remove_member(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    member_id: FromPath[int],
) -> Template | Redirect:
    try:
        await do_remove_member(actor, staff, brand_id=brand.brand_id, staff_id=member_id)
    except InvalidInput as exc:
        return await _team_page(brand, staff, {"role": Role.MANAGER.value}, exc.errors, status=400)
    flash(request, "Removed from the team.", category="success")
    if member_id == staff.id:
        return Redirect("/backoffice/", status_code=303)
    return Redirect(_team_url(brand), status_code=303)
