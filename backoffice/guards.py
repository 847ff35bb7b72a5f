"""Back-office guards: every route is for signed-in staff, and brand routes name the roles they allow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.web.auth import require_staff

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]

ALL_ROLES = tuple(Role)


async def requires_staff(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    await require_staff(connection)


def brand_access(staff: StaffContext, brand_slug: str) -> BrandAccess | None:
    return next((access for access in staff.brands if access.brand_slug == brand_slug), None)


def requires_role(*roles: Role) -> Guard:
    """Allow staff holding one of `roles` at the brand in the URL; another brand's URL answers 404."""
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        staff = await require_staff(connection)
        access = brand_access(staff, str(connection.path_params.get("brand_slug", "")))
        if access is None:
            raise NotFoundException("No such brand.")
        if access.role not in allowed:
            raise PermissionDeniedException(f"This needs one of these roles: {', '.join(sorted(allowed))}.")

    guard.__qualname__ = guard.__name__ = f"requires_role({', '.join(sorted(allowed))})"
    guard.allowed_roles = allowed  # type: ignore[attr-defined]
    return guard
