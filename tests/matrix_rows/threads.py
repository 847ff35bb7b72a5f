"""Authorization rows for message threads: Alice's offer from Acme; Bilal (creator_b) and Globex get 404."""

from __future__ import annotations

from shared.identity.rules import Role
from tests.authz import NOTFOUND, Route, creator_only, staff_only
from tests.conftest import Cast
from tests.factories import offer_to

STAFF_THREAD = "/backoffice/b/{brand_slug:str}/offers/{collaboration_id:int}/messages"
CREATOR_THREAD = "/offers/{collaboration_id:int}/messages"

ROUTES = [
    Route("GET", STAFF_THREAD, "/backoffice/b/acme/offers/{threads_offer}/messages", staff_only(brand_scoped=True)),
    # An empty message is refused with 400 (OK here): only the roles that write get that far.
    Route(
        "POST",
        STAFF_THREAD,
        "/backoffice/b/acme/offers/{threads_offer}/messages",
        staff_only(brand_scoped=True, roles=(Role.OWNER, Role.MANAGER, Role.REVIEWER)),
    ),
    Route("GET", CREATOR_THREAD, "/offers/{threads_offer}/messages", creator_only(other_creator=NOTFOUND)),
    Route("POST", CREATOR_THREAD, "/offers/{threads_offer}/messages", creator_only(other_creator=NOTFOUND)),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    deal = await offer_to(cast, cast.alice_id, campaign_id=None)
    return {"threads_offer": str(deal.collaboration_id)}
