"""A creator's offers: the brief and terms in plain language; accept, decline or counter."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

HANDLERS: list[HTTPRouteHandler] = []
