"""Authorization rows for payments: each creator sets up their own payouts; Stripe's webhook is open to anyone
(only a valid signature makes it do anything; the matrix's app has no Stripe, so it answers 400)."""

from __future__ import annotations

from tests.authz import PERSONAS, Route, creator_only, public

ROUTES = [
    Route("GET", "/payments", "/payments", creator_only()),
    Route("POST", "/payments/setup", "/payments/setup", creator_only()),
    Route("GET", "/payments/refresh", "/payments/refresh", creator_only()),
    Route("GET", "/payments/return", "/payments/return", creator_only()),
    Route("POST", "/payments/dashboard", "/payments/dashboard", creator_only()),
    Route("POST", "/webhooks/stripe", "/webhooks/stripe", {**public(), **dict.fromkeys(PERSONAS, "ok")}),
]
