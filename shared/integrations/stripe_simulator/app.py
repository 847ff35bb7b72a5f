"""The simulator's ASGI app: routing, authentication, idempotency, fault injection, persistence.

Every API handler works in two steps, the way Stripe does: it validates its parameters (a
refusal there saves nothing under the idempotency key), then returns the work to execute,
whose result — success or error — is saved for the key. Events raised by the work are stored
and delivered, signed, after the state was saved.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from . import api as _api  # noqa: F401  (registers the API's routes on import)
from . import objects
from .errors import StripeError, api_error, rate_limited
from .http import Receive, Request, Response, Scope, Send
from .idempotency import Idempotency, fingerprint
from .params import decode
from .routing import Call, Handler, routes
from .store import State, Store, WebhookEndpoint, new_id
from .webhooks import Deliverer

log = logging.getLogger(__name__)


class Simulator:
    """A stateful Stripe API on HTTP; `Simulator(state_path=...)` keeps its state across restarts."""

    def __init__(
        self,
        *,
        state_path: Path | None = None,
        api_key: str | None = None,
        webhook_endpoints: list[WebhookEndpoint] | None = None,
        retry_base_seconds: float = 1.0,
    ) -> None:
        self.store = Store(state_path)
        self.api_key = api_key
        for endpoint in webhook_endpoints or []:
            if not any(e.url == endpoint.url and e.connect == endpoint.connect for e in self.store.state.endpoints):
                self.store.state.endpoints.append(endpoint)
            else:  # a restart with new secrets: keep the address, take the new secret
                for e in self.store.state.endpoints:
                    if e.url == endpoint.url and e.connect == endpoint.connect:
                        e.secret = endpoint.secret
        self.idempotency = Idempotency(self.store)
        self.deliverer = Deliverer(self.store, retry_base_seconds=retry_base_seconds)

    @property
    def state(self) -> State:
        return self.store.state

    # -- ASGI --------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await self.deliverer.close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = await Request.read(scope, receive)
        drop = False
        if request.path.startswith(("/v1/", "/_sim/")):
            response, drop = await self.api(request)
        else:
            from .pages import page  # the hosted pages (onboarding, Express dashboard)

            response = page(self, request)
        await response.send(send, drop=drop)

    async def api(self, request: Request) -> tuple[Response, bool]:
        request_id = new_id("req", 14)
        headers = {"Request-Id": request_id, "Stripe-Version": objects.API_VERSION}
        try:
            return await self._api(request, request_id, headers)
        except StripeError as exc:
            return Response.json(exc.status, exc.body(request_id), {**headers, **exc.headers}), False

    async def _api(self, request: Request, request_id: str, headers: dict[str, str]) -> tuple[Response, bool]:
        api_key = self._authenticate(request)
        account = request.headers.get("stripe-account", "")
        if account and not self.store.state.get(account, "account"):
            raise StripeError(
                403,
                "invalid_request_error",
                f"The provided key '{api_key[:12]}…' does not have access to account '{account}' (or that account "
                "does not exist). Application access may have been revoked.",
                code="account_invalid",
            )
        handler, path_params = self._find(request.method, request.path)
        body = request.body.decode() if request.method in ("POST", "DELETE") else request.query
        params = decode(body) if request.method != "GET" else decode(request.query)
        key = request.headers.get("idempotency-key") if request.method in ("POST", "DELETE") else None
        call = Call(request, params, api_key, account, request_id, key)
        if key:
            headers["Idempotency-Key"] = key
        fault = self._take_fault(request) if not request.path.startswith("/_sim/") else None
        if fault and fault.status == 429:
            raise rate_limited()  # refused before it ran: nothing saved under the key

        scope = print_ = None
        if key:
            scope = Idempotency.scope(api_key, account, key)
            print_ = fingerprint(request.method, request.path, params)
            saved = self.idempotency.replay(scope, print_, self.store.state.now())
            if saved is not None:
                replay = {**headers, "Idempotent-Replayed": "true", "Original-Request": saved["body"].get("_req", "")}
                body_ = {k: v for k, v in saved["body"].items() if k != "_req"}
                return Response.json(saved["status"], body_, replay), False
            self.idempotency.in_flight.add(scope)
        try:
            work = handler(self, call, **path_params)  # validation: a StripeError here saves nothing
            if self.store.state.latency_ms:
                await asyncio.sleep(self.store.state.latency_ms / 1000)
            try:
                if fault and fault.status == 500:
                    raise api_error()
                result = work()
                status = call.status
            except StripeError as exc:
                if not exc.saved:
                    raise
                result, status = exc.body(request_id), exc.status
                headers.update(exc.headers)
            if scope and print_:
                self.idempotency.save(scope, print_, self.store.state.now(), status, {**result, "_req": request_id})
        finally:
            if scope:
                self.idempotency.in_flight.discard(scope)
        for event in call.events:
            self.deliverer.publish(event)
        if request.method != "GET":
            self.store.save()
        drop = bool(fault and fault.status == 0)
        return Response.json(status, result, headers), drop

    def _authenticate(self, request: Request) -> str:
        auth = request.headers.get("authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not key:
            raise StripeError(
                401,
                "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, "
                "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if not key.startswith(("sk_test_", "rk_test_")) or (self.api_key and key != self.api_key):
            raise StripeError(401, "invalid_request_error", f"Invalid API Key provided: {key[:12]}…",
                              code="api_key_invalid")  # fmt: skip
        return key

    def _find(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        allowed = False
        for route_method, regex, handler in routes:
            match = regex.match(path)
            if match:
                if route_method == method:
                    return handler, match.groupdict()
                allowed = True
        message = f"Unrecognized request URL ({method}: {path})."
        if allowed:
            message = f"Unrecognized request URL ({method}: {path}). This URL accepts other methods."
        raise StripeError(404, "invalid_request_error", message)

    def _take_fault(self, request: Request) -> Any:
        for fault in self.store.state.faults:
            if fault.method in (request.method, "*") and request.path.startswith(fault.path) and fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.store.state.faults.remove(fault)
                return fault
        return None

    # -- shared by handlers --------------------------------------------------------------------
    def emit(
        self, call: Call, type_: str, obj: dict[str, Any], *, account: str = "", previous: dict[str, Any] | None = None
    ) -> None:
        """Record an event for a change (delivered after the request's state is saved)."""
        event = objects.event(
            self.store.state.now(), type_=type_, obj=obj, account=account or None, previous_attributes=previous,
            request_id=call.request_id, idempotency_key=call.idempotency_key,
        )  # fmt: skip
        self.store.state.add(event, owner=account)
        call.events.append(event)

    def emit_internal(
        self, type_: str, obj: dict[str, Any], *, account: str = "", previous: dict[str, Any] | None = None
    ) -> None:
        """An event raised by the simulator itself (clock, onboarding page): delivered at once."""
        event = objects.event(self.store.state.now(), type_=type_, obj=obj, account=account or None,
                              previous_attributes=previous, request_id=None, idempotency_key=None)  # fmt: skip
        self.store.state.add(event, owner=account)
        self.deliverer.publish(event)


def query_params(query: str) -> dict[str, str]:
    return dict(parse_qsl(query))
