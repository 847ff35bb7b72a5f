"""A creator's usage rights: which of their content each brand may use, where, and until when."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from portal.guards import requires_creator
from shared.creators.queries import CreatorContext
from shared.rights.queries import list_creator_assets
from shared.rights.rules import day_text, today_utc


@get("/rights", guards=[requires_creator])
async def rights_page(creator: NamedDependency[CreatorContext]) -> Template:
    today = today_utc()
    return Template(
        "portal/rights.html",
        context={"assets": await list_creator_assets(creator.id, today=today), "today": day_text(today)},
    )


HANDLERS: list[HTTPRouteHandler] = [rights_page]
