"""A brand's workspace: the header search (results as you type) and the messages inbox. The brand's home
("what needs you now") is backoffice.brands.brand_home."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromQuery
from litestar.response import Template

from backoffice.guards import ALL_ROLES, requires_role
from shared.identity.queries import BrandAccess, StaffContext
from shared.workspace.queries import list_inbox, search_brand
from shared.workspace.rules import SEARCH_MIN_CHARS

ANYONE_AT_BRAND = requires_role(*ALL_ROLES)


@get("/b/{brand_slug:str}/search", guards=[ANYONE_AT_BRAND])
async def search(
    request: Request[Any, Any, Any], brand: NamedDependency[BrandAccess], q: FromQuery[str] = ""
) -> Template:
    """htmx asks for the results list as the person types; without htmx it is a page of its own."""
    results = await search_brand(brand.brand_id, brand.brand_slug, q[:200])
    context = {"brand": brand, "results": results, "min_chars": SEARCH_MIN_CHARS}
    if request.headers.get("hx-request") == "true":
        return Template("backoffice/_search_results.html", context=context)
    return Template("backoffice/search.html", context=context)


@get("/b/{brand_slug:str}/messages", guards=[ANYONE_AT_BRAND])
async def inbox(brand: NamedDependency[BrandAccess], staff: NamedDependency[StaffContext]) -> Template:
    threads = await list_inbox(brand.brand_id, staff.id)
    return Template("backoffice/messages_inbox.html", context={"brand": brand, "threads": threads})


HANDLERS: list[HTTPRouteHandler] = [search, inbox]
