"""Authorization rows for payments: each creator sets up their own payouts; Stripe's webhook is open to anyone
(only a valid signature makes it do anything; the matrix's app has no Stripe, so it answers 400)."""

from __future__ import annotations

from shared.identity.rules import Role
from tests.authz import PERSONAS, Route, creator_only, public, staff_only

B = "/backoffice/b/{brand_slug:str}"
U = "/backoffice/b/acme"
MONEY_STAFF = staff_only(brand_scoped=True, roles=(Role.OWNER, Role.FINANCE))

ROUTES = [
    Route("GET", "/payments", "/payments", creator_only()),
    Route("POST", "/payments/setup", "/payments/setup", creator_only()),
    Route("GET", "/payments/refresh", "/payments/refresh", creator_only()),
    Route("GET", "/payments/return", "/payments/return", creator_only()),
    Route("POST", "/payments/dashboard", "/payments/dashboard", creator_only()),
    Route(
        "GET",
        f"{B}/stripe-events",
        f"{U}/stripe-events",
        staff_only(brand_scoped=True, roles=(Role.OWNER, Role.FINANCE)),
    ),
    Route("POST", "/webhooks/stripe", "/webhooks/stripe", {**public(), **dict.fromkeys(PERSONAS, "ok")}),
]
