"""Request context for every response: request id, access log line, security headers.

Headers and the access log hang on Litestar's `before_send` hook rather than a middleware,
because the hook also sees responses that no route handled (404, 405) and those built by
exception handlers.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

log = logging.getLogger("rapport.access")

REQUEST_ID_HEADER = b"x-request-id"
_SAFE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")


# No inline scripts, no framing, nothing loaded from elsewhere unless listed here.
def content_security_policy(storage_origin: str | None = None, payments_origin: str | None = None) -> str:
    """No inline script or style anywhere; uploads (connect) and previews (img, media) may also reach the
    object store's origin when browsers talk to it directly (S3 mode). Forms may lead to Stripe's hosted
    onboarding and Express dashboard (a form's redirect is checked against form-action)."""
    store = f" {storage_origin}" if storage_origin else ""
    forms = f" {payments_origin or 'https://connect.stripe.com'}"
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{store}; "
        f"media-src 'self' blob:{store}; font-src 'self'; connect-src 'self'{store}; object-src 'none'; "
        f"base-uri 'self'; form-action 'self'{forms}; frame-ancestors 'none'"
    )


def security_headers(
    *, hsts: bool, storage_origin: str | None = None, payments_origin: str | None = None
) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", content_security_policy(storage_origin, payments_origin).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if hsts:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    return headers


def request_id_of(scope: Scope) -> str:
    """The request's id, created on first use (kept from a sane incoming X-Request-ID)."""
    state = scope.setdefault("state", {})
    request_id = state.get("request_id")
    if request_id is None:
        incoming = next((value for name, value in scope.get("headers", ()) if name == REQUEST_ID_HEADER), b"")
        request_id = incoming.decode() if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state["request_id"] = request_id
        state["started"] = time.perf_counter()
        structlog.contextvars.bind_contextvars(request_id=request_id)
    return str(request_id)


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Bind the request id before the handler runs, so every log line it writes carries it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            request_id_of(scope)
        await app(scope, receive, send)

    return middleware


# Signed storage URLs carry their authorization in the path: a log must never hold a usable one.
_SIGNED_PATH = re.compile(r"^(/storage/[a-z]+/)[^/]+")
# Invitation links likewise (staff: /backoffice/invitations/<token>; creators: /join/<token>).
_TOKEN_PATHS = re.compile(r"^(/backoffice/invitations/|/join/)[^/]+")


def loggable_path(path: str) -> str:
    """The request path with any secret token in it replaced, for the access log."""
    path = _SIGNED_PATH.sub(r"\1<token>", path)
    return _TOKEN_PATHS.sub(r"\1<token>", path)


# Health probes, polled by load balancers and orchestrators every few seconds: an access line per healthy
# answer would bury the lines people read (and was a fifth of the demo's /healthz cost, docs/performance.md).
PROBE_PATHS = frozenset({"/healthz", "/readyz"})


def response_hook(
    *, hsts: bool, storage_origin: str | None = None, payments_origin: str | None = None
) -> Callable[[Message, Scope], Awaitable[None]]:
    """before_send hook: add the request id and security headers, and write the access log line."""
    extra_headers = security_headers(hsts=hsts, storage_origin=storage_origin, payments_origin=payments_origin)

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != ScopeType.HTTP:
            return
        request_id = request_id_of(scope)
        headers = list(message.get("headers", []))
        headers.append((REQUEST_ID_HEADER, request_id.encode()))
        headers.extend(extra_headers)
        message["headers"] = headers
        if not log.isEnabledFor(logging.INFO):  # servers log at WARNING: no access line to build
            return
        if scope["path"] in PROBE_PATHS and message["status"] < 400:
            return  # a load balancer's poll every few seconds: only a failing probe is worth a line
        started = scope["state"].get("started", time.perf_counter())
        http_scope: HTTPScope = scope
        log.info(
            "%s %s %s",
            http_scope["method"],
            loggable_path(scope["path"]),
            message["status"],
            extra={"status": message["status"], "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
        )

    return before_send


def request_connection_middleware(app: ASGIApp) -> ASGIApp:
    """Every HTTP request runs on at most one pooled database connection, taken on first use and given
    back once the response has gone (shared.db.engine.RequestConnection): the session, the guards, the
    page's queries and its actions share it, and a route that needs no data takes none."""
    from shared.db.engine import get_engine, request_connection

    engine = get_engine()

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        async with request_connection(engine):
            await app(scope, receive, send)

    return middleware
