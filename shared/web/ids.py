"""Ids in URLs are bounded like declared form fields: a path id that no int4 column can hold is simply not
found (404), a query id out of range is a 400 — never a database error (asyncpg refuses to send them)."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.types import ASGIApp, Receive, Scope, Send

from shared.forms import INT32_MAX

# A row id (or a keyset cursor made of one) given in the query string: `before: QueryId = None`.
QueryId: TypeAlias = Annotated[int | None, QueryParameter(ge=0, le=INT32_MAX)]


def bounded_path_ids_middleware(app: ASGIApp) -> ASGIApp:
    """`{x:int}` path parameters beyond int4 answer 404 before any handler or guard reads them."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        for value in (scope.get("path_params") or {}).values():
            if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= INT32_MAX:
                raise NotFoundException("Not found.")
        await app(scope, receive, send)

    return middleware
