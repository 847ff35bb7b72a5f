"""Finance looks up a Stripe event Rapport received, by its id (evt_…): what Stripe said, when it arrived,
whether it was processed. Only events about the payout account of a creator who works with the brand."""

from __future__ import annotations

import json

from litestar import get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromQuery
from litestar.response import Template

from backoffice.guards import requires_role
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.payouts.queries import EVENT_ID_MAX, find_stripe_event_for_brand


@get("/b/{brand_slug:str}/stripe-events", guards=[requires_role(Role.OWNER, Role.FINANCE)])
async def stripe_event_lookup(
    brand: NamedDependency[BrandAccess], staff: NamedDependency[StaffContext], id: FromQuery[str] = ""
) -> Template:
    wanted = id.strip()[: EVENT_ID_MAX + 1]
    found = await find_stripe_event_for_brand(brand.brand_id, wanted, any_brand=staff.is_admin) if wanted else None
    return Template(
        "backoffice/stripe_event.html",
        context={
            "brand": brand,
            "wanted": wanted,
            "found": found,
            "payload": json.dumps(found.event.payload, indent=2, sort_keys=True) if found else "",
        },
        status_code=404 if wanted and found is None else 200,
    )


HANDLERS: list[HTTPRouteHandler] = [stripe_event_lookup]
