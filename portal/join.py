"""Accepting a brand's invitation to join the portal (claims the prospect record).

GET /join/<token> explains who invited you and remembers the token in the session; the OAuth
callback (portal/auth.py) then calls claim_pending_join once the person is signed in. Someone
already signed in accepts with one button instead.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.deps import CREATOR_DEPENDENCIES
from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.creators.queries import CreatorContext
from shared.crm.actions import do_claim_creator_invitation
from shared.crm.queries import get_creator_invitation
from shared.crm.rules import CREATOR_INVITATION_PROBLEMS
from shared.errors import IllegalTransition, NotFound
from shared.web.creator_auth import creator_actor, creator_providers, load_creator, settings_of
from shared.web.guards import allow_anyone

# The session key holding an invitation token while its person is away at their sign-in provider.
JOIN_TOKEN_KEY = "join_token"


def _problem(message: str, status: int) -> Template:
    return Template("portal/join.html", context={"problem": message}, status_code=status)


@get("/join/{token:str}", guards=[allow_anyone], name="portal:join")
async def join_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    try:
        invitation = await get_creator_invitation(token)
    except NotFound as exc:
        return _problem(str(exc), 404)
    if invitation.state != "pending":
        return _problem(CREATOR_INVITATION_PROBLEMS[invitation.state], 410)
    creator = await load_creator(request)
    if creator is None:
        request.session[JOIN_TOKEN_KEY] = token
    providers = [{"label": p.label, "url": f"/auth/{p.name}/signin"} for p in creator_providers(settings_of(request))]
    return Template(
        "portal/join.html",
        context={"brand_name": invitation.brand_name, "providers": providers, "creator": creator, "token": token},
    )


def _joined(brand_name: str) -> str:
    return f"You joined {brand_name} on Rapport. Their offers will show up here."


async def claim_pending_join(request: Request[Any, Any, Any], token: str | None) -> None:
    """Right after sign-in: claim the invitation the person came from (if any), and say how it went."""
    creator = await load_creator(request)
    if not token or creator is None:
        return
    try:
        claimed = await do_claim_creator_invitation(creator_actor(request, creator), token=token, creator_id=creator.id)
    except (NotFound, IllegalTransition) as exc:
        flash(request, str(exc), category="error")
        return
    flash(request, _joined(claimed.brand_name), category="success")


@post(
    "/join/{token:str}",
    guards=[requires_creator],
    dependencies=CREATOR_DEPENDENCIES,
    status_code=303,
    name="portal:join_accept",
)
async def accept_join(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    try:
        claimed = await do_claim_creator_invitation(actor, token=token, creator_id=creator.id)
    except NotFound as exc:
        return _problem(str(exc), 404)
    except IllegalTransition as exc:
        return _problem(str(exc), 410)
    flash(request, _joined(claimed.brand_name), category="success")
    return Redirect("/home" if creator.onboarded else "/welcome", status_code=303)


HANDLERS: list[HTTPRouteHandler] = [join_page, accept_join]
