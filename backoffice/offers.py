"""Offers: inviting creators with terms, counter-offers, acceptance; product seeding."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

HANDLERS: list[HTTPRouteHandler] = []
