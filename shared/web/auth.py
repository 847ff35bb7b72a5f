"""Who is making the request: session helpers and the Actor handed to actions."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException

from shared.audit.context import Actor
from shared.errors import NotFound
from shared.identity.queries import StaffContext, get_staff_context
from shared.web.middleware import request_id_of
from shared.web.sessions import rotate_session_id

STAFF_SESSION_KEY = "staff_id"
_STAFF_STATE = "rapport_staff"


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else ""


async def load_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffContext | None:
    """The signed-in staff member (loaded once per request), or None."""
    state = connection.scope["state"]
    if _STAFF_STATE in state:
        return state[_STAFF_STATE]  # type: ignore[no-any-return]
    staff_id = connection.session.get(STAFF_SESSION_KEY) if "session" in connection.scope else None
    staff: StaffContext | None = None
    if isinstance(staff_id, int):
        try:
            staff = await get_staff_context(staff_id)
        except NotFound:
            connection.session.pop(STAFF_SESSION_KEY, None)  # deactivated or deleted: sign them out
    state[_STAFF_STATE] = staff
    return staff


async def require_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffContext:
    staff = await load_staff(connection)
    if staff is None:
        raise NotAuthorizedException("Sign in to the back-office first.")
    return staff


def start_staff_session(connection: ASGIConnection[Any, Any, Any, Any], staff_id: int) -> None:
    rotate_session_id(connection)
    connection.session.clear()
    connection.session[STAFF_SESSION_KEY] = staff_id


def end_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Sign out: the old session id is deleted server-side, so a copied cookie is worthless."""
    rotate_session_id(connection)
    connection.session.clear()


def anonymous_actor(connection: ASGIConnection[Any, Any, Any, Any], label: str = "anonymous") -> Actor:
    return Actor("system", None, label, client_ip(connection), request_id_of(connection.scope))


def staff_actor(connection: ASGIConnection[Any, Any, Any, Any], staff: StaffContext) -> Actor:
    return Actor("staff", staff.id, staff.email, client_ip(connection), request_id_of(connection.scope))
