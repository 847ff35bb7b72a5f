"""Authorization rows for the content library: every role at the brand looks; owners and managers renew and
revoke grants and answer a creator's counter-offer (the others get 403); another brand's staff get 404; creators
and strangers sign in. A creator answers only her own renewals. The POSTs
carry an empty form, so the roles let through get a 400 and nothing changes."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import system_actor
from shared.identity.queries import get_staff_context
from shared.identity.rules import Role
from shared.rights.renewals import RenewalSide, check_counter_renewal, check_propose_renewal
from tests.authz import NOTFOUND, Route, creator_only, staff_only
from tests.conftest import Cast
from tests.review_helpers import matrix_storage
from tests.rights_helpers import approved_asset

B = "/backoffice/b/{brand_slug:str}/library"
U = "/backoffice/b/acme/library"
MANAGERS = (Role.OWNER, Role.MANAGER)
MINE = creator_only(other_creator=NOTFOUND)

ROUTES = [
    Route("GET", B, U, staff_only(brand_scoped=True)),
    Route(
        "POST",
        f"{B}/grants/{{entry_id:int}}/extend",
        f"{U}/grants/{{grant}}/extend",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route(
        "POST",
        f"{B}/grants/{{entry_id:int}}/revoke",
        f"{U}/grants/{{grant}}/revoke",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route(
        "POST",
        f"{B}/{{deliverable_id:int}}/download",
        f"{U}/{{asset}}/download",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route(
        "POST",
        f"{B}/grants/{{entry_id:int}}/propose",
        f"{U}/grants/{{grant}}/propose",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    # Alice answers her own renewal (accept, counter, decline); another creator gets 404.
    Route("POST", "/rights/renewals/{renewal_id:int}/accept", "/rights/renewals/{renewal}/accept", MINE),
    Route("POST", "/rights/renewals/{renewal_id:int}/counter", "/rights/renewals/{renewal}/counter", MINE),
    Route("POST", "/rights/renewals/{renewal_id:int}/decline", "/rights/renewals/{renewal}/decline", MINE),
    # Her counter-offer is Acme's owners' and managers' to answer; another brand gets 404.
    Route(
        "POST",
        f"{B}/renewals/{{renewal_id:int}}/accept",
        f"{U}/renewals/{{countered}}/accept",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route(
        "POST",
        f"{B}/renewals/{{renewal_id:int}}/counter",
        f"{U}/renewals/{{countered}}/counter",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route(
        "POST",
        f"{B}/renewals/{{renewal_id:int}}/decline",
        f"{U}/renewals/{{countered}}/decline",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    # A creator's own rights page: only what is theirs is on it (tests/portal/test_creator_rights.py).
    Route("GET", "/rights", "/rights", creator_only()),
    Route("POST", "/rights/time-zone", "/rights/time-zone", creator_only()),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    """Alice's approved reel under a deal with usage rights: its standing grant."""
    deliverable_id, entry_id = await approved_asset(cast, matrix_storage())
    _, renewed = await approved_asset(cast, matrix_storage())
    bob = await get_staff_context(cast.bob_id)
    renewal = await check_propose_renewal(
        system_actor("matrix"), bob, cast.acme_id, renewed, ends_on=dt.date(2099, 1, 1), fee="400", note=""
    )
    _, countered_grant = await approved_asset(cast, matrix_storage())
    countered = await check_propose_renewal(
        system_actor("matrix"), bob, cast.acme_id, countered_grant, ends_on=dt.date(2099, 1, 1), fee="400", note=""
    )
    await check_counter_renewal(
        system_actor("matrix"),
        RenewalSide.creator(cast.alice_id),
        countered,
        ends_on=dt.date(2099, 6, 1),
        fee="600",
        note="",
    )
    return {"grant": str(entry_id), "asset": str(deliverable_id), "renewal": str(renewal), "countered": str(countered)}
