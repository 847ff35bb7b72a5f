"""Signed webhook delivery: `Stripe-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "t.payload")>`.

Each event goes to every endpoint that wants it (platform endpoints get the platform's events,
Connect endpoints the events of connected accounts, with their `account`). A non-2xx answer or
a network error is retried with exponential backoff (Stripe retries for up to three days; the
simulator's backoff starts at `retry_base_seconds`). Chaos switches make delivery duplicate,
out of order or late, so receivers prove they cope.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from .store import Store, WebhookEndpoint

log = logging.getLogger(__name__)


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for a payload, exactly as Stripe computes it."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


class Deliverer:
    """Delivers events in the simulator's event loop; `drain()` waits until nothing is in flight."""

    def __init__(
        self,
        store: Store,
        *,
        retry_base_seconds: float = 1.0,
        max_attempts: int = 6,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.retry_base_seconds = retry_base_seconds
        self.max_attempts = max_attempts
        self.on_change = on_change or store.save
        self._tasks: set[asyncio.Task[None]] = set()
        self._held: list[dict[str, Any]] = []
        self._client: httpx.AsyncClient | None = None

    def endpoints_for(self, event: dict[str, Any]) -> list[WebhookEndpoint]:
        connect = bool(event.get("account"))
        return [e for e in self.store.state.endpoints if e.connect == connect]

    def publish(self, event: dict[str, Any]) -> None:
        """Schedule an event's delivery (called by the API after the change is saved)."""
        endpoints = self.endpoints_for(event)
        event["pending_webhooks"] = len(endpoints)
        if not endpoints:
            return
        if self.store.state.chaos.out_of_order:
            self._held.append(event)
            if len(self._held) < 2:
                return
            batch, self._held = list(reversed(self._held)), []
        else:
            batch = [event]
        for item in batch:
            self._schedule(item)

    def flush(self) -> None:
        """Send events held back by the out-of-order switch."""
        batch, self._held = list(reversed(self._held)), []
        for item in batch:
            self._schedule(item)

    def _schedule(self, event: dict[str, Any]) -> None:
        copies = 2 if self.store.state.chaos.duplicate else 1
        for endpoint in self.endpoints_for(event):
            for _ in range(copies):
                task = asyncio.get_running_loop().create_task(self._deliver(endpoint, event))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._client:
            await self._client.aclose()

    async def _deliver(self, endpoint: WebhookEndpoint, event: dict[str, Any]) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10)
        delay = self.store.state.chaos.delay_seconds
        if delay:
            await asyncio.sleep(delay)
        payload = json.dumps(event, indent=2)
        for attempt in range(1, self.max_attempts + 1):
            status: int | None = None
            try:
                response = await self._client.post(
                    endpoint.url,
                    content=payload.encode(),
                    headers={
                        "Content-Type": "application/json; charset=utf-8",
                        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                        "Stripe-Signature": sign(payload, endpoint.secret),
                    },
                )
                status = response.status_code
            except httpx.HTTPError as exc:
                log.info("webhook delivery failed", extra={"stripe_event": event["id"], "error": str(exc)})
            self.store.state.deliveries.append(
                {"event": event["id"], "type": event["type"], "endpoint": endpoint.id, "url": endpoint.url,
                 "attempt": attempt, "status": status, "at": time.time()}
            )  # fmt: skip
            self.on_change()
            if status is not None and 200 <= status < 300:
                return
            if attempt < self.max_attempts:
                await asyncio.sleep(self.retry_base_seconds * (2 ** (attempt - 1)))
