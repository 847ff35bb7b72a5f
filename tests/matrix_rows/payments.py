"""Authorization rows for payments: each creator sets up their own payouts and sees only their own payables (on
/payments); Stripe's webhook is open to anyone (only a valid signature makes it do anything; the matrix's app has
no Stripe, so it answers 400). In the back-office, finance and owners approve, refuse and release; managers and
viewers read the queue; reviewers don't see money; other brands get 404."""

from __future__ import annotations

from shared.audit.context import system_actor
from shared.identity.rules import Role
from shared.payments.actions import record_milestone
from tests.authz import PERSONAS, Route, creator_only, public, staff_only
from tests.conftest import Cast
from tests.factories import agreed_deal

B = "/backoffice/b/{brand_slug:str}"
U = "/backoffice/b/acme"
READERS = (Role.OWNER, Role.FINANCE, Role.MANAGER, Role.VIEWER)
MONEY = (Role.OWNER, Role.FINANCE)
OWNERS = (Role.OWNER,)
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
    Route("GET", f"{B}/payouts", f"{U}/payouts", staff_only(brand_scoped=True, roles=READERS)),
    Route("GET", f"{B}/payouts.csv", f"{U}/payouts.csv", staff_only(brand_scoped=True, roles=READERS)),
    Route(
        "GET",
        f"{B}/payouts/{{payable_id:int}}",
        f"{U}/payouts/{{payable}}",
        staff_only(brand_scoped=True, roles=READERS),
    ),
    # An empty form: 400 with the message for those allowed.
    Route("POST", f"{B}/payouts/approve", f"{U}/payouts/approve", staff_only(brand_scoped=True, roles=MONEY)),
    Route("POST", f"{B}/payouts/release", f"{U}/payouts/release", staff_only(brand_scoped=True, roles=MONEY)),
    Route(
        "POST",
        f"{B}/offers/{{collaboration_id:int}}/bonus",
        f"{U}/offers/{{payable_deal}}/bonus",
        staff_only(brand_scoped=True, roles=(Role.OWNER, Role.MANAGER)),
    ),
    Route("GET", f"{B}/settings/payments", f"{U}/settings/payments", staff_only(brand_scoped=True, roles=OWNERS)),
    Route("POST", f"{B}/settings/payments", f"{U}/settings/payments", staff_only(brand_scoped=True, roles=OWNERS)),
    Route(
        "POST",
        f"{B}/payouts/{{payable_id:int}}/manual",
        f"{U}/payouts/{{payable}}/manual",
        staff_only(brand_scoped=True, roles=MONEY),
    ),
    Route(
        "POST",
        f"{B}/payouts/{{payable_id:int}}/refuse",
        f"{U}/payouts/{{payable}}/refuse",
        staff_only(brand_scoped=True, roles=MONEY),
    ),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    """Alice's signing payable at Acme, waiting for approval."""
    deal = await agreed_deal(cast)
    payable_id = await record_milestone(system_actor("matrix"), deal.collaboration_id, "signing")
    assert payable_id is not None
    return {"payable": str(payable_id), "payable_deal": str(deal.collaboration_id)}
