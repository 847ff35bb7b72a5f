"""A creator's usage rights: which of their content each brand may use, where, and until when."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.creators.queries import CreatorContext
from shared.errors import IllegalTransition
from shared.rights.queries import list_creator_assets
from shared.rights.renewals import do_answer_renewal
from shared.rights.rules import day_text, today_utc


@get("/rights", guards=[requires_creator])
async def rights_page(creator: NamedDependency[CreatorContext]) -> Template:
    today = today_utc()
    return Template(
        "portal/rights.html",
        context={
            "assets": await list_creator_assets(creator.id, today=today),
            "today": day_text(today),
            "day_text": day_text,
        },
    )


async def _answer(
    request: Request[Any, Any, Any], actor: Actor, creator_id: int, renewal_id: int, accept: bool
) -> Redirect:
    try:
        await do_answer_renewal(actor, creator_id, renewal_id, accept=accept)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
    else:
        flash(
            request,
            "Renewal accepted: the brand may use it until the new date." if accept else "Renewal declined.",
            category="success",
        )
    return Redirect("/rights", status_code=303)


@post("/rights/renewals/{renewal_id:int}/accept", guards=[requires_creator], status_code=303)
async def accept_renewal(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    renewal_id: FromPath[int],
) -> Redirect:
    return await _answer(request, actor, creator.id, renewal_id, True)


@post("/rights/renewals/{renewal_id:int}/decline", guards=[requires_creator], status_code=303)
async def decline_renewal(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    renewal_id: FromPath[int],
) -> Redirect:
    return await _answer(request, actor, creator.id, renewal_id, False)


HANDLERS: list[HTTPRouteHandler] = [rights_page, accept_renewal, decline_renewal]
