"""Guards every route declares. A route with no guard from here fails the route-guard test."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler


async def allow_anyone(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Explicitly public: sign-in pages, landing pages, health probes, static files."""
    return None
