"""A creator's deliverables and product seeding (shipping address, receipt)."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

HANDLERS: list[HTTPRouteHandler] = []
