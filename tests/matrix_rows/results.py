"""Authorization rows for results: every role at the brand reads the campaigns' results, a campaign's page and
CSV, and a live post; owners, managers and reviewers verify a post by hand (finance and viewers get 403);
another brand's staff get 404; creators and strangers sign in."""

from __future__ import annotations

from shared.content.review_rules import DECIDERS
from shared.db.engine import get_engine
from tests.authz import Route, staff_only
from tests.conftest import Cast
from tests.results_fixtures import live_reel

B = "/backoffice/b/{brand_slug:str}/results"
U = "/backoffice/b/acme/results"
LOOK = staff_only(brand_scoped=True)
VERIFY = staff_only(brand_scoped=True, roles=DECIDERS)

ROUTES = [
    Route("GET", B, U, LOOK),
    Route("GET", f"{B}/{{campaign_id:int}}", f"{U}/{{results_campaign}}", LOOK),
    Route("GET", f"{B}/{{campaign_id:int}}/export.csv", f"{U}/{{results_campaign}}/export.csv", LOOK),
    Route("GET", f"{B}/posts/{{live_post_id:int}}", f"{U}/posts/{{live_post}}", LOOK),
    Route("POST", f"{B}/posts/{{live_post_id:int}}/verify", f"{U}/posts/{{live_post}}/verify", VERIFY),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    """Alice's reel at Acme, approved and live (its check not run: no platform here)."""
    reel, live_post_id = await live_reel(cast)
    rows = await get_engine().fetch("SELECT campaign FROM deliverable WHERE id = $1", reel)
    return {"results_campaign": str(rows[0]["campaign"]), "live_post": str(live_post_id)}
