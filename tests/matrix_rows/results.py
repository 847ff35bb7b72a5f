"""Authorization rows for results: every role at the brand reads the campaigns' results, a campaign's page and
CSV, and a live post; owners, managers and reviewers verify a post by hand (finance and viewers get 403);
another brand's staff get 404; creators and strangers sign in."""

from __future__ import annotations

from shared.audit.context import system_actor
from shared.content.review_rules import DECIDERS
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from shared.results.conversions import IMPORTERS
from shared.results.insights import do_report_insights
from shared.results.links import do_create_tracked_link
from shared.results.rules import SHARERS
from shared.results.sharing import do_share_results
from tests.authz import NOTFOUND, Route, creator_only, public, staff_only
from tests.conftest import Cast
from tests.results_fixtures import PNG_SCREENSHOT, live_reel
from tests.review_helpers import matrix_storage

B = "/backoffice/b/{brand_slug:str}/results"
U = "/backoffice/b/acme/results"
LOOK = staff_only(brand_scoped=True)
VERIFY = staff_only(brand_scoped=True, roles=DECIDERS)
SHARE = staff_only(brand_scoped=True, roles=SHARERS)
IMPORT = staff_only(brand_scoped=True, roles=IMPORTERS)

ROUTES = [
    Route("GET", B, U, LOOK),
    Route("GET", f"{B}/{{campaign_id:int}}", f"{U}/{{results_campaign}}", LOOK),
    Route("GET", f"{B}/{{campaign_id:int}}/export.csv", f"{U}/{{results_campaign}}/export.csv", LOOK),
    Route("GET", f"{B}/posts/{{live_post_id:int}}", f"{U}/posts/{{live_post}}", LOOK),
    Route("POST", f"{B}/posts/{{live_post_id:int}}/verify", f"{U}/posts/{{live_post}}/verify", VERIFY),
    Route("POST", f"{B}/{{campaign_id:int}}/shares", f"{U}/{{results_campaign}}/shares", SHARE),
    Route("POST", f"{B}/shares/{{share_id:int}}/revoke", f"{U}/shares/{{results_share}}/revoke", SHARE),
    # The shared link opens for anyone holding it, signed in or not: it shows that campaign's results only.
    Route("GET", "/backoffice/reports/{token:str}", "/backoffice/reports/{results_token}", public()),
    Route("POST", f"{B}/{{campaign_id:int}}/links", f"{U}/{{results_campaign}}/links", SHARE),
    Route("POST", f"{B}/{{campaign_id:int}}/codes", f"{U}/{{results_campaign}}/codes", SHARE),
    Route("GET", f"{B}/orders", f"{U}/orders", IMPORT),
    Route("POST", f"{B}/orders", f"{U}/orders", IMPORT),  # no file: 400
    Route("GET", f"{B}/rates", f"{U}/rates", SHARE),
    Route("POST", f"{B}/rates", f"{U}/rates", SHARE),
    # A tracked link sends anyone on (a redirect to the brand's page), counting the click.
    Route("GET", "/l/{code:str}", "/l/{tracked_code}", public()),
    # A creator's own results across brands.
    Route("GET", "/results", "/results", creator_only()),
    # Self-reported insights: the creator of the post shares a screenshot (Alice's form post has no file: 400;
    # Bilal gets 404 as if it did not exist); every role at the brand views it, through a signed URL.
    Route("POST", "/work/{deliverable_id:int}/posts/{live_post_id:int}/insights",
          "/work/{results_reel}/posts/{live_post}/insights", creator_only(other_creator=NOTFOUND)),
    Route("GET", "/work/{deliverable_id:int}/insights/{report_id:int}/screenshot",
          "/work/{results_reel}/insights/{self_report}/screenshot", creator_only(other_creator=NOTFOUND)),
    Route("GET", f"{B}/posts/{{live_post_id:int}}/insights/{{report_id:int}}",
          f"{U}/posts/{{live_post}}/insights/{{self_report}}", LOOK),
]  # fmt: skip


async def placeholders(cast: Cast) -> dict[str, str]:
    """Alice's reel at Acme, approved and live (its check not run: no platform here)."""
    reel, live_post_id = await live_reel(cast)
    rows = await get_engine().fetch("SELECT campaign FROM deliverable WHERE id = $1", reel)
    campaign = int(rows[0]["campaign"])
    bob = await get_staff_context(cast.bob_id)
    actor = system_actor("matrix")
    token = await do_share_results(actor, bob, cast.acme_id, campaign, days=7)
    revocable = await do_share_results(actor, bob, cast.acme_id, campaign, days=7)
    share = await get_engine().fetch("SELECT max(id) AS id FROM results_share WHERE campaign = $1", campaign)
    assert revocable
    code = await do_create_tracked_link(
        actor, bob, cast.acme_id, campaign, creator_id=cast.alice_id, target_url="https://acme.example/trail"
    )
    report = await do_report_insights(
        actor, cast.alice_id, reel, live_post_id, screenshot=PNG_SCREENSHOT, numbers={"views": 900}, note="",
        storage=matrix_storage(),
    )  # fmt: skip
    return {
        "results_reel": str(reel),
        "self_report": str(report),
        "tracked_code": code,
        "results_campaign": str(campaign),
        "live_post": str(live_post_id),
        "results_token": token,
        "results_share": str(share[0]["id"]),
    }
