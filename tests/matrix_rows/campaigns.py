"""Authorization rows for campaigns and briefs: owners and managers plan; every role at the brand reads."""

from __future__ import annotations

from shared.identity.rules import Role
from tests.authz import Route, staff_only
from tests.conftest import Cast
from tests.factories import published_campaign

B = "/backoffice/b/{brand_slug:str}/campaigns"
U = "/backoffice/b/acme/campaigns"
PLANNERS = (Role.OWNER, Role.MANAGER)

ROUTES = [
    Route("GET", B, U, staff_only(brand_scoped=True)),
    Route("GET", f"{B}/new", f"{U}/new", staff_only(brand_scoped=True, roles=PLANNERS)),
    Route("POST", B, U, staff_only(brand_scoped=True, roles=PLANNERS)),  # empty form: 400
    Route("GET", f"{B}/{{campaign_id:int}}", f"{U}/{{campaign}}", staff_only(brand_scoped=True)),
    Route(
        "GET", f"{B}/{{campaign_id:int}}/edit", f"{U}/{{campaign}}/edit", staff_only(brand_scoped=True, roles=PLANNERS)
    ),
    Route("POST", f"{B}/{{campaign_id:int}}", f"{U}/{{campaign}}", staff_only(brand_scoped=True, roles=PLANNERS)),
    # No status given: refused with a message, back on the campaign page.
    Route(
        "POST",
        f"{B}/{{campaign_id:int}}/status",
        f"{U}/{{campaign}}/status",
        staff_only(brand_scoped=True, roles=PLANNERS),
    ),
    Route(
        "GET",
        f"{B}/{{campaign_id:int}}/brief",
        f"{U}/{{campaign}}/brief",
        staff_only(brand_scoped=True, roles=PLANNERS),
    ),
    Route(
        "POST",
        f"{B}/{{campaign_id:int}}/brief",
        f"{U}/{{campaign}}/brief",
        staff_only(brand_scoped=True, roles=PLANNERS),
    ),
    Route(
        "POST",
        f"{B}/{{campaign_id:int}}/brief/publish",
        f"{U}/{{campaign}}/brief/publish",
        staff_only(brand_scoped=True, roles=PLANNERS),
    ),
    Route(
        "GET",
        f"{B}/{{campaign_id:int}}/brief/versions",
        f"{U}/{{campaign}}/brief/versions",
        staff_only(brand_scoped=True),
    ),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    return {"campaign": str(await published_campaign(cast, name="Matrix campaign"))}
