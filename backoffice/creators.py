"""The roster: a brand's creators, filters and search, each creator's page, prospects and notes."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

HANDLERS: list[HTTPRouteHandler] = []
