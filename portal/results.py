"""The creator's own results: every live post, by brand, with what the go-live check found and its numbers."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from portal.guards import requires_creator
from shared.creators.queries import CreatorContext
from shared.results.links import list_creator_links
from shared.results.queries import list_creator_results
from shared.results.rules import METRIC_LABELS, METRICS
from shared.web.creator_auth import settings_of


@get("/results", guards=[requires_creator])
async def results_page(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Template:
    return Template(
        "portal/results.html",
        context={
            "creator": creator,
            "brands": await list_creator_results(creator.id),
            "links": await list_creator_links(creator.id),
            "link_base": settings_of(request).base_url,
            "metric_labels": [METRIC_LABELS[m] for m in METRICS],
        },
    )


HANDLERS: list[HTTPRouteHandler] = [results_page]
