"""Dependencies for creator-only handlers (values the guard has already checked)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from shared.audit.context import Actor
from shared.creators.queries import CreatorContext
from shared.web.creator_auth import creator_actor, require_creator


async def provide_creator(request: Request[Any, Any, Any]) -> CreatorContext:
    return await require_creator(request)


async def provide_actor(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Actor:
    return creator_actor(request, creator)


CREATOR_DEPENDENCIES = {"creator": Provide(provide_creator), "actor": Provide(provide_actor)}
