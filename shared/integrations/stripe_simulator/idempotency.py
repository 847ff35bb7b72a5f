"""Idempotency keys as Stripe documents them (https://docs.stripe.com/api/idempotent_requests).

- The status code and body of the first request with a key are saved once the endpoint's
  execution begins — whether it succeeds or fails, 500s included — and every later request
  with that key gets the same answer with `Idempotent-Replayed: true`.
- A request that fails parameter validation, or that conflicts with a request running
  concurrently with the same key (409), saves nothing.
- A key reused with different parameters is refused: 400 `idempotency_error`.
- Keys are scoped to the API key and the connected account, apply to POST (and DELETE), and
  may be pruned after 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .errors import StripeError
from .store import Store

PRUNE_AFTER_SECONDS = 24 * 60 * 60


def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps([method, path, params], sort_keys=True).encode()).hexdigest()


class Idempotency:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.in_flight: set[str] = set()

    @staticmethod
    def scope(api_key: str, account: str, key: str) -> str:
        return f"{api_key}|{account}|{key}"

    def replay(self, scope: str, print_: str, now: int) -> dict[str, Any] | None:
        """The saved response for this key, or None when the request should run; raises on misuse."""
        self._prune(now)
        saved = self.store.state.idempotency.get(scope)
        if saved is not None:
            if saved["fingerprint"] != print_:
                raise StripeError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{scope.rsplit('|', 1)[-1]}' if you meant to execute a "
                    "different request.",
                )
            return saved
        if scope in self.in_flight:
            raise StripeError(
                409,
                "idempotency_error",
                "There is currently another in-progress request using this Idempotent Key (that probably means "
                "you submitted twice, and the other request is still going through): "
                f"{scope.rsplit('|', 1)[-1]}. Please try again later.",
                headers={"Stripe-Should-Retry": "true"},
            )
        return None

    def save(self, scope: str, print_: str, now: int, status: int, body: dict[str, Any]) -> None:
        self.store.state.idempotency[scope] = {"fingerprint": print_, "status": status, "body": body, "at": now}

    def _prune(self, now: int) -> None:
        saved = self.store.state.idempotency
        for scope in [s for s, r in saved.items() if now - r["at"] > PRUNE_AFTER_SECONDS]:
            del saved[scope]
