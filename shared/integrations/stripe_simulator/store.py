"""The simulator's state: every object by id, balances, events, idempotency records, switches.

Kept in memory and, when a path is given, written to a JSON snapshot after every change
(atomically: a temporary file renamed over the old one), so a demo's Stripe survives the
simulator's and the app's restart.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """An id shaped like Stripe's: `acct_1Pgaf…`, `tr_1Pgc…` (prefix, '1', random letters and digits)."""
    return f"{prefix}_1" + "".join(secrets.choice(_ALPHABET) for _ in range(length - 1))


@dataclass
class WebhookEndpoint:
    url: str
    secret: str
    connect: bool = False  # Connect endpoints receive events that happen on connected accounts
    id: str = field(default_factory=lambda: new_id("we"))


@dataclass
class Fault:
    """Fail the next `remaining` calls matching method and path prefix."""

    method: str
    path: str
    remaining: int
    status: int = 500  # 500 or 429; 0 means "make the change, then drop the connection"


@dataclass
class Chaos:
    duplicate: bool = False  # deliver every event twice
    out_of_order: bool = False  # hold each event until the next one, then send the newer first
    delay_seconds: float = 0.0  # wait before each delivery


@dataclass
class State:
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Which connected account an object lives on ("" = the platform).
    owners: dict[str, str] = field(default_factory=dict)
    # Creation order per kind (object name), oldest first.
    order: dict[str, list[str]] = field(default_factory=dict)
    # account ("" = platform) -> currency -> {"available": n, "pending": n}
    balances: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    # "<api key>|<account>|<key>" -> saved response
    idempotency: dict[str, dict[str, Any]] = field(default_factory=dict)
    # account link token -> {"account", "refresh_url", "return_url", "expires_at", "used"}
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    login_tokens: dict[str, str] = field(default_factory=dict)
    endpoints: list[WebhookEndpoint] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    chaos: Chaos = field(default_factory=Chaos)
    latency_ms: int = 0
    clock_offset: int = 0  # seconds added to the wall clock by /_sim/clock/advance
    # Delivery log for tests and the demo: one row per attempt.
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    # Not saved: each kind's id -> index in `order` (State.position).
    _positions: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    def now(self) -> int:
        return int(time.time()) + self.clock_offset

    # -- objects -----------------------------------------------------------------------------
    def add(self, obj: dict[str, Any], owner: str = "") -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self.owners[obj["id"]] = owner
        self.order.setdefault(obj["object"], []).append(obj["id"])
        return obj

    def get(self, object_id: str, kind: str | None = None, owner: str | None = None) -> dict[str, Any] | None:
        obj = self.objects.get(object_id)
        if obj is None or (kind and obj.get("object") != kind):
            return None
        if owner is not None and self.owners.get(object_id, "") != owner:
            return None
        return obj

    def position(self, kind: str, object_id: str) -> int | None:
        """Where an object stands in its kind's creation order (an index kept beside the list, rebuilt if stale)."""
        order = self.order.get(kind, [])
        index = self._positions.get(kind)
        if index is None or len(index) != len(order):
            index = self._positions[kind] = {oid: n for n, oid in enumerate(order)}
        return index.get(object_id)

    def all(self, kind: str, owner: str | None = None) -> list[dict[str, Any]]:
        """Objects of a kind, newest first (Stripe's list order)."""
        ids = reversed(self.order.get(kind, []))
        return [
            self.objects[i] for i in ids if i in self.objects and (owner is None or self.owners.get(i, "") == owner)
        ]

    # -- balances ----------------------------------------------------------------------------
    def balance(self, account: str, currency: str) -> dict[str, int]:
        return self.balances.setdefault(account, {}).setdefault(currency, {"available": 0, "pending": 0})

    # -- persistence -------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_positions", None)
        data["deliveries"] = self.deliveries[-200:]
        return data

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> State:
        state = cls()
        for name in ("objects", "owners", "order", "balances", "idempotency", "links", "login_tokens"):
            setattr(state, name, data.get(name, {}))
        state.endpoints = [WebhookEndpoint(**e) for e in data.get("endpoints", [])]
        state.faults = [Fault(**f) for f in data.get("faults", [])]
        state.chaos = Chaos(**data.get("chaos", {}))
        state.latency_ms = data.get("latency_ms", 0)
        state.clock_offset = data.get("clock_offset", 0)
        state.deliveries = data.get("deliveries", [])
        return state


class Store:
    """The state plus where it is saved."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.state = State()
        if path and path.exists():
            self.state = State.from_snapshot(json.loads(path.read_text()))

    def save(self) -> None:
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state.snapshot()))
        os.replace(tmp, self.path)

    def reset(self) -> None:
        endpoints = self.state.endpoints
        self.state = State(endpoints=endpoints)
        self.save()
