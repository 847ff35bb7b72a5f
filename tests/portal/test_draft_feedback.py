"""The creator's side of a review: on the deliverable page Alice sees each version's decision and the comments
shared with her (with buttons that play the video from each comment's moment) — never the brand's internal
ones, and never anyone else's."""

from __future__ import annotations

import re

import httpx
import pytest

from shared.collaborations.actions import BrandSide
from shared.content.review import check_decide, do_add_comment
from shared.content.review_queries import list_shared_feedback
from shared.identity.actions import SocialAccount, do_create_creator
from shared.identity.queries import get_staff_context
from shared.integrations.storage_local import LocalStorage
from shared.web.static_assets import asset
from tests.conftest import Cast
from tests.factories import ACTOR
from tests.personas import act_as_creator
from tests.review_helpers import REEL, acme_deliverables, submitted_draft


@pytest.fixture
async def reviewed(cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage) -> tuple[int, int]:
    """(deliverable, draft): Alice's reel, with Bob's internal and shared comments and his request for changes."""
    deliverable_id = (await acme_deliverables(cast))[REEL]
    draft_id = await submitted_draft(client, local_storage, cast.alice_id, deliverable_id)
    bob = await get_staff_context(cast.bob_id)
    side = BrandSide(bob, cast.acme_id)
    await do_add_comment(ACTOR, side, draft_id, body="INTERNAL: she is over budget", at_ms=None, shared=False)
    await do_add_comment(ACTOR, side, draft_id, body="The logo is covered here", at_ms=12_500, shared=True)
    await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="changes_requested", note="Say #ad out loud.")
    return deliverable_id, draft_id


async def test_it_shows_the_decision_and_shared_comments_only(
    client: httpx.AsyncClient, cast: Cast, reviewed: tuple[int, int]
) -> None:
    deliverable_id, draft_id = reviewed
    await act_as_creator(client, cast.alice_id)
    page = await client.get(f"/work/{deliverable_id}")
    assert page.status_code == 200
    html = page.text
    assert "Review and feedback" in html and "Changes requested" in html
    assert "Send a new version with the changes below." in html
    assert "The logo is covered here" in html and "Say #ad out loud." in html
    assert "INTERNAL" not in html and "over budget" not in html
    # The moment is a button that plays this version's video from 0:12.
    button = re.search(
        r'<button type="button" class="seek-button" data-seek-ms="(\d+)" data-seek-target="([^"]+)"', html
    )
    assert button and button.group(1) == "12500" and button.group(2) == f"draft-video-{draft_id}"
    assert "at 0:12" in html and "Round 1 of 3" in html
    assert asset("review.js") in html


async def test_it_shows_the_approval_on_the_next_round(
    client: httpx.AsyncClient, cast: Cast, reviewed: tuple[int, int], local_storage: LocalStorage
) -> None:
    deliverable_id, _ = reviewed
    second = await submitted_draft(client, local_storage, cast.alice_id, deliverable_id)
    await act_as_creator(client, cast.alice_id)
    waiting = (await client.get(f"/work/{deliverable_id}")).text
    assert "Waiting for the brand&#39;s review" in waiting or "Waiting for the brand's review" in waiting
    assert "Round 2 of 3" in waiting
    bob = await get_staff_context(cast.bob_id)
    await check_decide(ACTOR, bob, cast.acme_id, second, decision="approved_with_notes", note="Great — post at 6pm.")
    html = (await client.get(f"/work/{deliverable_id}")).text
    assert "Approved, with notes from the brand" in html and "Great — post at 6pm." in html
    assert html.index("Version 2") < html.index("Version 1")  # newest first


async def test_it_flags_a_round_beyond_the_agreement(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    deliverable_id = (await acme_deliverables(cast))[REEL]
    bob = await get_staff_context(cast.bob_id)
    for _ in range(3):  # the deal includes the first draft and two rounds of changes
        draft_id = await submitted_draft(client, local_storage, cast.alice_id, deliverable_id)
        await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="changes_requested", note="Again.")
    await submitted_draft(client, local_storage, cast.alice_id, deliverable_id)
    feedback = await list_shared_feedback(cast.alice_id, deliverable_id)
    assert feedback[0].round_label == "round 4 of 3" and feedback[0].beyond_agreement
    assert not feedback[1].beyond_agreement
    await act_as_creator(client, cast.alice_id)
    html = (await client.get(f"/work/{deliverable_id}")).text
    assert "goes beyond the 3 your deal includes" in html


async def test_it_gives_another_creator_nothing(
    client: httpx.AsyncClient, cast: Cast, reviewed: tuple[int, int]
) -> None:
    deliverable_id, _ = reviewed
    bilal = await do_create_creator(
        ACTOR,
        display_name="Bilal Khan",
        email="bilal@creators.test",
        country="GB",
        niches=["tech"],
        accounts=[SocialAccount("youtube", "yt-bilal", "BilalTech", 870_000)],
    )
    assert await list_shared_feedback(int(bilal.id), deliverable_id) == []
    await act_as_creator(client, int(bilal.id))
    response = await client.get(f"/work/{deliverable_id}")
    assert response.status_code == 404 and "The logo is covered here" not in response.text


async def test_it_sends_strangers_and_staff_to_sign_in(
    client: httpx.AsyncClient, cast: Cast, reviewed: tuple[int, int]
) -> None:
    deliverable_id, _ = reviewed
    response = await client.get(f"/work/{deliverable_id}", follow_redirects=False)
    assert response.status_code in (302, 303) and "signin" in response.headers["location"]


async def test_it_lets_the_creator_reply_at_a_moment_of_the_video(
    client: httpx.AsyncClient, cast: Cast, reviewed: tuple[int, int]
) -> None:
    from shared.db.tables import DraftComment, Notification
    from tests.conftest import post_form

    deliverable_id, draft_id = reviewed
    await act_as_creator(client, cast.alice_id)
    page_url = f"/work/{deliverable_id}"
    action = f"{page_url}/drafts/{draft_id}/comments"
    assert f'action="{action}"' in (await client.get(page_url)).text
    empty = await post_form(client, page_url, action, {"body": "  "})
    assert empty.status_code == 400 and 'class="field-error"' in empty.text
    done = await post_form(
        client, page_url, action, {"body": "Moved the logo at 0:12", "at_current": "1", "at_ms": "12000"}
    )
    assert done.status_code == 200 and "Reply sent to the brand." in done.text
    reply = await DraftComment.objects().where(DraftComment.author_kind == "creator").first()
    assert reply is not None and reply.shared and reply.at_ms == 12_000
    assert await Notification.exists().where(
        (Notification.recipient_kind == "staff") & (Notification.recipient_id == cast.bob_id)
    )
