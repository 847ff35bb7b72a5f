"""Authorization rows for the creator's deliverable page and its upload endpoints: only the creator the
deliverable is for (Bilal, creator_b, gets 404 as if it did not exist); staff and strangers sign in."""

from __future__ import annotations

from tests.authz import NOTFOUND, Route, creator_only
from tests.backoffice.board_helpers import deliverable_ids
from tests.conftest import Cast
from tests.factories import agreed_deal

W = "/work/{deliverable_id:int}"
U = "/work/{reel}"
MINE = creator_only(other_creator=NOTFOUND)

ROUTES = [
    Route("GET", W, U, MINE),
    Route("POST", f"{W}/caption-check", f"{U}/caption-check", MINE),
    # Alice's answers are 400s (a form post has no file details) — never an upload URL for Bilal.
    Route("POST", f"{W}/uploads", f"{U}/uploads", MINE),
    Route("GET", f"{W}/uploads/{{draft_id:int}}/parts", f"{U}/uploads/{{draft}}/parts", MINE),
    Route("POST", f"{W}/uploads/{{draft_id:int}}/parts/{{part_number:int}}", f"{U}/uploads/{{draft}}/parts/1", MINE),
    Route("POST", f"{W}/uploads/{{draft_id:int}}/complete", f"{U}/uploads/{{draft}}/complete", MINE),
    Route("DELETE", f"{W}/uploads/{{draft_id:int}}", f"{U}/uploads/{{draft}}", MINE),
    Route("POST", f"{W}/drafts/{{draft_id:int}}/caption", f"{U}/drafts/{{draft}}/caption", MINE),
    Route("POST", f"{W}/drafts/{{draft_id:int}}/submit", f"{U}/drafts/{{draft}}/submit", MINE),
    Route("POST", f"{W}/live", f"{U}/live", MINE),
    # Alice may only comment on drafts under review: her uploading draft answers 400 (an empty reply) or 409.
    Route("POST", f"{W}/drafts/{{draft_id:int}}/comments", f"{U}/drafts/{{draft}}/comments", MINE),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    """Alice's reel and a draft of it that is still uploading (started through the real action)."""
    from shared.audit.context import system_actor
    from shared.content.actions import check_start_upload, do_abort_upload
    from shared.integrations.storage_factory import storage_from_settings
    from shared.settings import Settings

    deal = await agreed_deal(cast)
    reel = (await deliverable_ids(deal.collaboration_id))[0]
    import tempfile

    storage = storage_from_settings(Settings(env="test", storage_url=f"file://{tempfile.mkdtemp()}"))
    started = await check_start_upload(
        system_actor("matrix"),
        cast.alice_id,
        reel,
        filename="reel.mp4",
        content_type="video/mp4",
        size=1000,
        storage=storage,
    )
    # Given up at once: whatever a persona's request does to it, no outside call is left half-done.
    await do_abort_upload(system_actor("matrix"), cast.alice_id, started.draft_id, storage=storage)
    return {"reel": str(reel), "draft": str(started.draft_id)}
