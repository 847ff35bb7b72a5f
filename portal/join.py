"""Accepting a brand's invitation to join the portal (claims the prospect record)."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

HANDLERS: list[HTTPRouteHandler] = []
