"""Authorization rows for the roster and creator pages (every role reads; owners and managers change),
and for joining the portal from a brand's invitation."""

from __future__ import annotations

from shared.audit.context import system_actor
from shared.crm.actions import do_add_prospect
from shared.identity.queries import get_staff_context
from shared.identity.rules import Role
from shared.integrations.email import Mailer
from tests.authz import NOTFOUND, PERSONAS, SIGNIN, Route, staff_only
from tests.conftest import Cast

B = "/backoffice/b/{brand_slug:str}/creators"
U = "/backoffice/b/acme/creators"
EDITORS = (Role.OWNER, Role.MANAGER)
# Acme's prospect: Globex's manager gets 404 for it even on Globex's own URL (see test_creator_page).
C = f"{U}/{{acme_prospect}}"


def _edit(path: str, url: str) -> Route:
    return Route("POST", f"{B}/{{creator_id:int}}/{path}", f"{C}/{url}", staff_only(brand_scoped=True, roles=EDITORS))


ROUTES = [
    Route("GET", B, U, staff_only(brand_scoped=True)),
    Route("GET", f"{B}/new", f"{U}/new", staff_only(brand_scoped=True, roles=EDITORS)),
    Route("POST", B, U, staff_only(brand_scoped=True, roles=EDITORS)),  # empty form: 400
    Route("GET", f"{B}/{{creator_id:int}}", C, staff_only(brand_scoped=True)),
    _edit("stage", "stage"),  # no stage chosen: 400
    _edit("owner", "owner"),  # empty: nobody owns it (a redirect back to the page)
    _edit("tags", "tags"),  # empty: no tags
    _edit("relationship", "relationship"),  # empty card: nothing changes (a redirect back to the page)
    _edit("notes", "notes"),  # empty note: 400
    _edit("invite", "invite"),  # no email: 400
    # A made-up invitation link is simply not found, for anyone.
    Route("GET", "/join/{token:str}", "/join/made-up", dict.fromkeys(PERSONAS, NOTFOUND)),
    # Accepting needs a signed-in creator; then a made-up link is not found.
    Route(
        "POST",
        "/join/{token:str}",
        "/join/made-up",
        {**dict.fromkeys(PERSONAS, SIGNIN), "creator_a": NOTFOUND, "creator_b": NOTFOUND},
    ),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    added = await do_add_prospect(
        system_actor("matrix"),
        await get_staff_context(cast.bob_id),
        Mailer(None),
        brand_id=cast.acme_id,
        display_name="",
        platform="instagram",
        handle="matrix.prospect",
        email="",
        followers="",
        base_url="http://127.0.0.1:8000",
    )
    return {"acme_prospect": str(added.creator_id)}
