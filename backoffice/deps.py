"""Dependencies for back-office handlers (values the guards have already checked)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from backoffice.guards import brand_access
from shared.audit.context import Actor
from shared.crypto import Encryptor
from shared.identity.queries import BrandAccess, StaffContext
from shared.integrations.email import Mailer
from shared.settings import Settings
from shared.web.auth import require_staff, staff_actor


async def provide_staff(request: Request[Any, Any, Any]) -> StaffContext:
    return await require_staff(request)


async def provide_actor(request: Request[Any, Any, Any], staff: NamedDependency[StaffContext]) -> Actor:
    return staff_actor(request, staff)


async def provide_brand(staff: NamedDependency[StaffContext], brand_slug: FromPath[str]) -> BrandAccess:
    access = brand_access(staff, brand_slug)
    if access is None:
        raise NotFoundException("No such brand.")
    return access


STAFF_DEPENDENCIES = {
    "staff": Provide(provide_staff),
    "actor": Provide(provide_actor),
}
BRAND_DEPENDENCIES = {"brand": Provide(provide_brand)}


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def encryptor_of(request: Request[Any, Any, Any]) -> Encryptor:
    """Encrypts TOTP secrets at rest with a key derived from SECRET_KEY."""
    return Encryptor(settings_of(request).secret_key)


def mailer_of(request: Request[Any, Any, Any]) -> Mailer:
    return Mailer(settings_of(request).smtp_url)
