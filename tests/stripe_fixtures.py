"""Fixtures for Stripe: the simulator as a real HTTP server on 127.0.0.1, and the real SDK pointed at it.

- `stripe_simulator`: one simulator per session (state in memory), served in a thread.
- `stripe_client`: a `stripe.StripeClient` for the contract tests, twice: against the simulator, and
  against Stripe's test mode when STRIPE_TEST_SECRET_KEY is set (skipped otherwise, saying so), so the
  same tests check the simulator's fidelity against the real service.
- `sim`: the simulator with its controls, for the tests that need them (simulator only).
- `webhook_receiver`: a small HTTP endpoint that records what it is sent (and can answer 500).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stripe

from shared.integrations.stripe_simulator import Simulator, running_simulator
from shared.integrations.stripe_simulator.server import serve_asgi

SIM_KEY = "sk_test_rapport_simulator"
REAL_KEY = os.environ.get("STRIPE_TEST_SECRET_KEY")


@dataclass
class StripeSim:
    simulator: Simulator
    base_url: str

    def client(self, **kwargs: Any) -> stripe.StripeClient:
        return stripe.StripeClient(SIM_KEY, base_addresses={"api": self.base_url, "connect": self.base_url},
                                   **kwargs)  # fmt: skip

    def control(self, endpoint: str, **data: Any) -> dict[str, Any]:
        """Call a simulator-only endpoint (/_sim/...)."""
        response = httpx.post(
            f"{self.base_url}/_sim/{endpoint}", data=data, headers={"Authorization": f"Bearer {SIM_KEY}"}
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def top_up(self, amount: int, currency: str = "usd") -> None:
        self.control("top_up", amount=amount, currency=currency)

    def reset_switches(self) -> None:
        self.simulator.state.faults.clear()
        self.control("settings", latency_ms=0, duplicate="false", out_of_order="false", delay_seconds=0)


@pytest.fixture(scope="session")
def stripe_sim() -> Iterator[StripeSim]:
    simulator = Simulator(retry_base_seconds=0.05)
    with running_simulator(simulator) as base_url:
        yield StripeSim(simulator, base_url)


@pytest.fixture
def sim(stripe_sim: StripeSim) -> Iterator[StripeSim]:
    """The session's simulator with its switches off before and after the test."""
    stripe_sim.reset_switches()
    yield stripe_sim
    stripe_sim.reset_switches()
    stripe_sim.simulator.state.endpoints.clear()


@pytest.fixture(params=["simulator", "stripe-test-mode"])
def stripe_client(request: pytest.FixtureRequest, stripe_sim: StripeSim) -> stripe.StripeClient:
    if request.param == "simulator":
        return stripe_sim.client()
    if not REAL_KEY:
        pytest.skip("STRIPE_TEST_SECRET_KEY is not set: the contract is checked against the simulator only")
    if not REAL_KEY.startswith("sk_test_"):
        pytest.fail("STRIPE_TEST_SECRET_KEY must be a test-mode key (sk_test_…)")
    return stripe.StripeClient(REAL_KEY)


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class WebhookReceiver:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        status = 200
        if self.fail_next:
            self.fail_next -= 1
            status = 500
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(b"".join(chunks), headers))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} deliveries, got {len(self.received)}")
            time.sleep(0.02)
        return self.received


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    with serve_asgi(receiver) as url:
        receiver.url = url + "/hook"
        yield receiver
