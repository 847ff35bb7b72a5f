"""Server-side sessions in PostgreSQL: they survive restarts, span app processes, and can be revoked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware import DefineMiddleware
from litestar.middleware.session.base import SessionMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty, Message, Scope, ScopeSession

from shared.db.engine import get_engine, is_database_unavailable
from shared.db.tables import WebSession
from shared.identity.sessions import session_subject
from shared.web.frame import FrameAsk, frame_ask, keep_frame_read_with_session, with_frame

SESSION_STORE_NAME = "sessions"
SESSION_COOKIE = "rapport_session"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _seconds(value: int | dt.timedelta | None) -> int | None:
    if value is None:
        return None
    return int(value.total_seconds()) if isinstance(value, dt.timedelta) else int(value)


class PostgresSessionStore(Store):
    """A Litestar Store on the WebSession table. Expired rows are ignored and swept periodically.

    Sessions end after `idle` seconds without use (the expiry slides) and, whatever the use,
    `absolute_seconds` after they were created.
    """

    def __init__(self, absolute_seconds: int = 60 * 60 * 24 * 14) -> None:
        self.absolute_seconds = absolute_seconds

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        seconds = _seconds(expires_in)
        expires_at = _now() + dt.timedelta(seconds=seconds) if seconds is not None else None
        row = WebSession(key=key, data=data, expires_at=expires_at, subject=session_subject(data))
        await WebSession.insert(row).on_conflict(
            target=WebSession.key,
            action="DO UPDATE",
            values=[WebSession.data, WebSession.expires_at, WebSession.subject],
        )

    # One row: the session's data, when it stops being valid by idleness, and whose it is ('staff:12').
    _ROW = (
        "SELECT data, expires_at, subject FROM web_session WHERE key = $1"
        " AND (expires_at IS NULL OR expires_at > now()) AND created_at > $2"
    )

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        # Plain SQL: this runs on every signed-in request, and Piccolo's raw() costs twice the driver's CPU.
        rows = await get_engine().fetch(self._ROW, key, self._oldest())
        if not rows:
            return None
        await self._slide(key, rows[0]["expires_at"], renew_for)
        return bytes(rows[0]["data"])

    async def get_with_frame(
        self, key: str, renew_for: int | dt.timedelta | None, ask: FrameAsk
    ) -> tuple[bytes | None, list[dict[str, Any]]]:
        """The session's data, and the frame `ask` names read in the same statement (shared.web.frame)."""
        sql, frame_args = with_frame(self._ROW, 2, ask)
        rows = await get_engine().fetch(sql, key, self._oldest(), *frame_args)
        if not rows:
            return None, []
        await self._slide(key, rows[0]["session_expires_at"], renew_for)
        return bytes(rows[0]["session_data"]), rows

    def _oldest(self) -> dt.datetime:
        return _now() - dt.timedelta(seconds=self.absolute_seconds)

    async def _slide(self, key: str, expires_at: dt.datetime | None, renew_for: int | dt.timedelta | None) -> None:
        # Sliding expiry, written at most once per half-window so reads stay reads.
        seconds = _seconds(renew_for)
        if seconds is not None and expires_at is not None and expires_at - _now() < dt.timedelta(seconds=seconds / 2):
            await WebSession.update({WebSession.expires_at: _now() + dt.timedelta(seconds=seconds)}).where(
                WebSession.key == key
            )

    async def delete(self, key: str) -> None:
        await WebSession.delete().where(WebSession.key == key)

    async def delete_all(self) -> None:
        await WebSession.delete(force=True)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await WebSession.select(WebSession.expires_at).where(WebSession.key == key).first()
        if row is None or row["expires_at"] is None:
            return None
        return max(0, int((row["expires_at"] - _now()).total_seconds()))


_LOADED = "rapport_session_loaded"
_ROTATE_TO = "rapport_session_rotate_to"
_ROTATE_FROM = "rapport_session_rotate_from"


def rotate_session_id(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give this session a fresh id at the end of the request (on sign-in and privilege change).

    The data moves to the new id and the old id stops working, so an id planted before
    sign-in (session fixation) is worthless afterwards.
    """
    state = connection.scope["state"]
    state[_ROTATE_FROM] = connection.cookies.get(SESSION_COOKIE)
    state[_ROTATE_TO] = RapportSessionBackend.new_session_id()


class RapportSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side backend, made frugal and able to rotate ids.

    Stock behaviour writes a row for every response, even an anonymous visitor's empty
    session; here nothing is stored until there is data, and unchanged data is not rewritten
    (the store renews expiry on read).
    """

    _cookie_attributes: str | None = None  # "; HttpOnly; Max-Age=…; Path=/…", set on first use

    @staticmethod
    def new_session_id() -> str:
        import secrets

        return secrets.token_hex(32)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        session_id = connection.cookies.get(self.config.key)
        if session_id:
            store = self.config.get_store_from_app(connection.scope["app"])
            if isinstance(store, PostgresSessionStore):
                # The frame of the person's page comes in the same statement (shared.web.frame).
                ask = frame_ask(connection)
                data, rows = await store.get_with_frame(session_id, self._renew_for(), ask)
                keep_frame_read_with_session(connection, ask, rows)
            else:
                data = await self.get(session_id, store=store)
            if data is not None:
                connection.scope["state"][_LOADED] = data
                return self.deserialize_data(data)
        return {}

    def _renew_for(self) -> int | None:
        # As ServerSideSessionBackend.get asks the store.
        max_age = int(self.config.max_age) if self.config.max_age is not None else None
        return max_age if self.config.renew_on_access else None

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        rotated = connection.scope.get("state", {}).get(_ROTATE_TO)
        return str(rotated) if rotated else super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        scope: Scope = connection.scope
        state = scope["state"]
        store = self.config.get_store_from_app(scope["app"])
        loaded = state.get(_LOADED)
        if old_id := state.get(_ROTATE_FROM):
            await self.delete(old_id, store=store)
        empty = scope_session is Empty or not scope_session
        if empty and loaded is None and not state.get(_ROTATE_TO):
            return  # anonymous visitor with nothing to keep: no row, no cookie
        if not empty and not state.get(_ROTATE_TO) and self.serialize_data(scope_session, scope) == loaded:
            # Unchanged: only refresh the cookie's lifetime.
            MutableScopeHeaders.from_message(message).add(
                "Set-Cookie", self._refresh_cookie(self.get_session_id(connection))
            )
            return
        await super().store_in_message(Empty if empty else scope_session, message, connection)

    def _cookie_params(self) -> dict[str, Any]:
        from litestar.utils.dataclass import extract_dataclass_items

        return dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))

    def _refresh_cookie(self, session_id: str) -> str:
        """The Set-Cookie value that renews the session cookie: Litestar's Cookie(...).to_header(), made once.

        Every signed-in response sends it; building it through http.cookies cost ~45 µs a request. Only the
        id changes between responses, and ids are hex (new_session_id, or a cookie whose row was found), which
        a cookie carries unquoted; anything else still goes the long way.
        """
        if not session_id.isalnum() or not session_id.isascii():
            return Cookie(value=session_id, key=self.config.key, **self._cookie_params()).to_header(header="")
        if self._cookie_attributes is None:
            sample = Cookie(value="0", key=self.config.key, **self._cookie_params()).to_header(header="")
            self._cookie_attributes = sample.removeprefix(f"{self.config.key}=0")
        return f"{self.config.key}={session_id}{self._cookie_attributes}"


class RapportSessionMiddleware(SessionMiddleware[RapportSessionBackend]):
    """Litestar's session middleware, but a session that can't be saved because the database went away answers
    the friendly 503 page. The session is saved as the response starts, after the handler (its transaction has
    committed by then: the page asks to check); an error there would otherwise escape every exception handler
    (the response counts as started) and reach the browser as a bare 500 or a dropped connection."""

    def create_send_wrapper(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> Callable[[Message], Awaitable[None]]:
        send = super().create_send_wrapper(connection)
        replaced = False

        async def send_or_unavailable(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the handler's body: the 503 page has gone instead
            try:
                await send(message)
            except Exception as exc:
                if message["type"] != "http.response.start" or not is_database_unavailable(exc):
                    raise
                replaced = True
                await _answer_unavailable(connection, exc)

        return send_or_unavailable


async def _answer_unavailable(connection: ASGIConnection[Any, Any, Any, Any], exc: Exception) -> None:
    from litestar import Request

    from shared.web.errors import internal_error_handler

    request: Request[Any, Any, Any] = Request(connection.scope, connection.receive)
    response = internal_error_handler(request, exc)  # the 503 page (Retry-After), logged as a warning
    await response.to_asgi_response(app=None, request=request)(connection.scope, connection.receive, connection.send)


@dataclass
class RapportSessionConfig(ServerSideSessionConfig):
    _backend_class = RapportSessionBackend

    @property
    def middleware(self) -> DefineMiddleware:
        return DefineMiddleware(RapportSessionMiddleware, backend=self._backend_class(config=self))


# Routes that never read the session: a signed-in browser's request for them does not load it from the
# database (health probes, and hashed static files, which a page can pull in by the dozen on a first visit).
SESSIONLESS_PATHS = ["^/healthz$", "^/readyz$", "^/static/"]


def session_config(*, idle_seconds: int, secure: bool) -> ServerSideSessionConfig:
    return RapportSessionConfig(
        exclude=SESSIONLESS_PATHS,
        key=SESSION_COOKIE,
        store=SESSION_STORE_NAME,
        max_age=idle_seconds,
        renew_on_access=True,
        secure=secure,
        httponly=True,
        samesite="lax",
    )
