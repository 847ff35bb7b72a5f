"""Tracked links (/l/<code>): one click counted, the visitor sent on; nothing about them is kept."""

from __future__ import annotations

from litestar import get
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect

from shared.results.links import follow_link
from shared.web.guards import allow_anyone


@get("/l/{code:str}", guards=[allow_anyone], cache=False)
async def tracked_link(code: FromPath[str]) -> Redirect:
    return Redirect(await follow_link(code), status_code=302)


HANDLERS: list[HTTPRouteHandler] = [tracked_link]
