"""The creator's work: their deliverables across every brand, soonest first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.collaborations.board import list_creator_board
from shared.creators.queries import CreatorContext
from shared.errors import InvalidInput


@get("/work", guards=[requires_creator])
async def work_page(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Template | Redirect:
    if not creator.onboarded:
        return Redirect("/welcome")
    after = request.query_params.get("after") or None
    error = None
    try:
        page = await list_creator_board(creator.id, after=after)
    except InvalidInput as exc:
        error = exc.errors.get("after")
        page = await list_creator_board(creator.id)
    next_url = "?" + urlencode({"after": page.next_after}) if page.next_after else None
    return Template(
        "portal/work.html",
        context={"creator": creator, "page": page, "next_url": next_url, "first_page": not after, "error": error},
        status_code=400 if error else 200,
    )


HANDLERS: list[HTTPRouteHandler] = [work_page]
