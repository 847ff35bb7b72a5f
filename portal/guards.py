"""Portal guards: creator-only routes. Staff sessions do not count (the two sides never share a sign-in)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from shared.web.creator_auth import require_creator


async def requires_creator(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    await require_creator(connection)
