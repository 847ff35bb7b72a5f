"""The creator's home: what needs them now (offers, deadlines, messages, payments to come)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.creators.dashboard import get_dashboard
from shared.creators.queries import CreatorContext
from shared.web.creator_auth import creator_providers, settings_of


@get("/home", guards=[requires_creator], name="portal:dashboard")
async def dashboard(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Template | Redirect:
    if not creator.onboarded:
        return Redirect("/welcome")
    labels = {p.name: p.label for p in creator_providers(settings_of(request))}
    board = await get_dashboard(creator.id)  # with the accounts to reconnect: one statement
    return Template(
        "portal/dashboard.html",
        context={"creator": creator, "reconnect": board.reconnect, "labels": labels, "board": board},
    )
