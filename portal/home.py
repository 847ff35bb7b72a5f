"""The portal's front door: what Rapport does for creators, and how to sign in."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from portal.auth import safe_next
from shared.web.creator_auth import creator_providers, load_creator, settings_of
from shared.web.guards import allow_anyone


@get("/", guards=[allow_anyone], name="portal:home")
async def home(request: Request[Any, Any, Any]) -> Template | Redirect:
    if await load_creator(request) is not None:
        return Redirect("/home")
    return Template("portal/home.html")


@get("/signin", guards=[allow_anyone], name="portal:signin")
async def signin_page(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template | Redirect:
    if await load_creator(request) is not None:
        return Redirect(safe_next(next))
    # Providers are configured from the environment (RAPPORT_OIDC_<NAME>_*); with none, the page
    # says so instead of showing dead buttons.
    target = safe_next(next)
    suffix = f"?next={quote(target)}" if target != "/home" else ""
    providers = [
        {"name": p.name, "label": p.label, "url": f"/auth/{p.name}/signin{suffix}"}
        for p in creator_providers(settings_of(request))
    ]
    return Template("portal/auth_signin.html", context={"providers": providers})
