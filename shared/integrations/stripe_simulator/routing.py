"""The API's route table: handlers register with @route, the app dispatches through `routes`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .http import Request

Work = Callable[[], Any]  # returns the response body (a dict)


@dataclass
class Call:
    """One API request as the handlers see it."""

    request: Request
    params: dict[str, Any]
    api_key: str
    account: str  # the Stripe-Account header ("" = the platform itself)
    request_id: str
    idempotency_key: str | None
    events: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200


Handler = Callable[..., Work]
routes: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def register(handler: Handler) -> Handler:
        routes.append((method, regex, handler))
        return handler

    return register
