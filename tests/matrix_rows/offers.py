"""Authorization rows for offers: owners and managers negotiate, every role at the brand reads; on the portal
only the creator the offer is for (Bilal, creator_b, gets 404 as if it did not exist)."""

from __future__ import annotations

from shared.identity.rules import Role
from tests.authz import NOTFOUND, Route, creator_only, staff_only
from tests.conftest import Cast
from tests.factories import agreed_deal, offer_to

B = "/backoffice/b/{brand_slug:str}/offers"
U = "/backoffice/b/acme/offers"
NEGOTIATORS = (Role.OWNER, Role.MANAGER)
MINE = creator_only(other_creator=NOTFOUND)

ROUTES = [
    Route("GET", f"{B}/new", f"{U}/new", staff_only(brand_scoped=True, roles=NEGOTIATORS)),
    Route("POST", B, U, staff_only(brand_scoped=True, roles=NEGOTIATORS)),  # nobody chosen: 400
    Route("GET", f"{B}/{{collaboration_id:int}}", f"{U}/{{offer}}", staff_only(brand_scoped=True)),
    # Whatever the offer's state by then, the answer is the offer page (with a message when refused).
    Route(
        "POST",
        f"{B}/{{collaboration_id:int}}/accept",
        f"{U}/{{offer}}/accept",
        staff_only(brand_scoped=True, roles=NEGOTIATORS),
    ),
    Route(
        "POST",
        f"{B}/{{collaboration_id:int}}/counter",
        f"{U}/{{offer}}/counter",
        staff_only(brand_scoped=True, roles=NEGOTIATORS),
    ),
    Route(
        "POST",
        f"{B}/{{collaboration_id:int}}/withdraw",
        f"{U}/{{offer}}/withdraw",
        staff_only(brand_scoped=True, roles=NEGOTIATORS),
    ),
    # Cancelling needs an accepted deal: the seeded one (an empty form is refused, so it stays accepted).
    Route(
        "GET",
        f"{B}/{{collaboration_id:int}}/cancel",
        f"{U}/{{seeded}}/cancel",
        staff_only(brand_scoped=True, roles=NEGOTIATORS),
    ),
    Route(
        "POST",
        f"{B}/{{collaboration_id:int}}/cancel",
        f"{U}/{{seeded}}/cancel",
        staff_only(brand_scoped=True, roles=NEGOTIATORS),
    ),
    Route(
        "POST",
        f"{B}/{{collaboration_id:int}}/shipment",
        f"{U}/{{seeded}}/shipment",
        staff_only(brand_scoped=True, roles=NEGOTIATORS),
    ),
    Route("GET", "/offers", "/offers", creator_only()),
    Route("GET", "/offers/{collaboration_id:int}", "/offers/{offer}", MINE),
    Route("POST", "/offers/{collaboration_id:int}/accept", "/offers/{offer}/accept", MINE),
    Route("POST", "/offers/{collaboration_id:int}/decline", "/offers/{offer}/decline", MINE),
    Route("POST", "/offers/{collaboration_id:int}/counter", "/offers/{offer}/counter", MINE),
    Route("POST", "/offers/{collaboration_id:int}/address", "/offers/{seeded}/address", MINE),
    Route("POST", "/offers/{collaboration_id:int}/received", "/offers/{seeded}/received", MINE),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    offer = await offer_to(cast, cast.alice_id)
    seeded = await agreed_deal(cast, product="Matrix sample")
    return {"offer": str(offer.collaboration_id), "seeded": str(seeded.collaboration_id)}
