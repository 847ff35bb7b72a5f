"""Authorization rows for exports: finance and owners ask for and download a brand's exports (everyone else at the
brand is refused, other brands get 404); a creator downloads only their own statements (no creator in the URL:
another creator's brand and year is a 404)."""

from __future__ import annotations

import datetime as dt

from litestar import Litestar

from shared.audit.context import system_actor
from shared.exports.actions import do_request_export
from shared.exports.generation import generate_export
from shared.identity.queries import get_staff_context
from shared.identity.rules import Role
from shared.payments.actions import record_milestone
from tests.authz import NOTFOUND, Route, creator_only, staff_only
from tests.conftest import Cast
from tests.factories import agreed_deal

B = "/backoffice/b/{brand_slug:str}"
U = "/backoffice/b/acme"
MONEY = staff_only(brand_scoped=True, roles=(Role.OWNER, Role.FINANCE))

ROUTES = [
    Route("GET", f"{B}/exports", f"{U}/exports", MONEY),
    Route("POST", f"{B}/exports", f"{U}/exports", MONEY),  # an empty form: 400 for those allowed
    Route("GET", f"{B}/exports/{{export_id:int}}/download", f"{U}/exports/{{export}}/download", MONEY),
    Route(
        "GET",
        "/payments/statements/{brand_id:int}/{year:int}",
        "/payments/statements/{statement_brand}/{statement_year}",
        creator_only(other_creator=NOTFOUND),
    ),
]


async def placeholders_for_app(cast: Cast, app: Litestar) -> dict[str, str]:
    """A finished ledger export at Acme (its file in the app's own storage); Alice is owed money by Acme."""
    actor = system_actor("matrix")
    deal = await agreed_deal(cast)
    assert await record_milestone(actor, deal.collaboration_id, "signing") is not None
    fran = await get_staff_context(cast.fran_id)
    [acme] = [b for b in fran.brands if b.brand_id == cast.acme_id]
    today = dt.datetime.now(dt.UTC).date()
    export_id = await do_request_export(actor, acme, kind="ledger", start=today, end=today, creator_id=None,
                                        today=today)  # fmt: skip
    assert await generate_export(export_id, app.state["storage"]) == "done"
    return {"export": str(export_id), "statement_brand": str(cast.acme_id), "statement_year": str(today.year)}
