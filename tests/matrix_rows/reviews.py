"""Authorization rows for reviews: every role at the brand looks at the queue and a draft; owners, managers
and reviewers comment and decide (finance and viewers get 403); another brand's staff get 404; creators and
strangers sign in. The POSTs carry an empty form, so the roles let through get a 400 and nothing changes."""

from __future__ import annotations

from shared.content.review_rules import DECIDERS
from tests.authz import Route, staff_only
from tests.conftest import Cast
from tests.review_helpers import REEL, acme_deliverables, matrix_storage, submitted_draft

B = "/backoffice/b/{brand_slug:str}/reviews"
U = "/backoffice/b/acme/reviews"
LOOK = staff_only(brand_scoped=True)
DECIDE = staff_only(brand_scoped=True, roles=DECIDERS)

ROUTES = [
    Route("GET", B, U, LOOK),
    Route("POST", f"{B}/bulk-approve", f"{U}/bulk-approve", DECIDE),
    Route("GET", f"{B}/{{draft_id:int}}", f"{U}/{{review_draft}}", LOOK),
    Route("POST", f"{B}/{{draft_id:int}}/comments", f"{U}/{{review_draft}}/comments", DECIDE),
    Route("POST", f"{B}/{{draft_id:int}}/decision", f"{U}/{{review_draft}}/decision", DECIDE),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    """Alice's reel, uploaded, verified and sent for review through the real actions."""
    reel = (await acme_deliverables(cast))[REEL]
    draft_id = await submitted_draft(None, matrix_storage(), cast.alice_id, reel)
    return {"review_draft": str(draft_id)}
