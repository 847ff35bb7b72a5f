"""The review screens: the queue (soonest promised first, overdue in red and in words, constant queries), one
draft's screen (the file through a signed URL that really downloads, the previous version, comments), the
comment and decision forms, bulk approval, and who may do what."""

from __future__ import annotations

import re

import httpx
import pytest

from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.db.tables import Deliverable, DraftComment
from shared.identity.actions import do_create_creator, do_grant_membership
from shared.identity.rules import Role
from shared.integrations.storage_local import LocalStorage
from tests.conftest import Cast, csrf_token_from
from tests.factories import ACTOR
from tests.personas import act_as_creator, act_as_staff
from tests.review_helpers import MP4, PNG, POST, REEL, STORY, VIDEO, acme_deliverables, submitted_draft

QUEUE = "/backoffice/b/acme/reviews"


def review_url(draft_id: int) -> str:
    return f"{QUEUE}/{draft_id}"


async def _due_in(draft_id: int, hours: int) -> None:
    """Move the promised time (the clock is the only thing a test can't wait for)."""
    await get_engine().fetch(
        "UPDATE draft SET review_due_at = now() + make_interval(hours => $2) WHERE id = $1", draft_id, hours
    )


async def _post(client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_token_from((await client.get(page)).text)
    return await client.post(action, data={**data, "_csrf_token": token}, follow_redirects=False)


async def _status(deliverable_id: int) -> str:
    row = await Deliverable.select(Deliverable.status).where(Deliverable.id == deliverable_id).first()
    assert row is not None
    return str(row["status"])


@pytest.fixture
async def reel(cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage) -> tuple[int, int]:
    deliverables = await acme_deliverables(cast)
    return deliverables[REEL], await submitted_draft(client, local_storage, cast.alice_id, deliverables[REEL])


async def test_it_orders_the_queue_by_promised_time_and_marks_overdue(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    deliverables = await acme_deliverables(cast)
    later = await submitted_draft(client, local_storage, cast.alice_id, deliverables[REEL])
    late = await submitted_draft(client, local_storage, cast.alice_id, deliverables[VIDEO])
    soon = await submitted_draft(client, local_storage, cast.alice_id, deliverables[POST], image=True)
    await _due_in(later, 48)
    await _due_in(late, -30)
    await _due_in(soon, 5)
    await act_as_staff(client, cast.bob_id)
    response = await client.get(QUEUE)
    assert response.status_code == 200
    order = [int(n) for n in re.findall(r'href="/backoffice/b/acme/reviews/(\d+)"', response.text)]
    assert order == [late, soon, later]
    items = response.text.split('<li class="review-item')[1:]
    assert "is-overdue" in items[0] and "Overdue" in items[0] and "Overdue by 1 day" in items[0]
    assert "is-overdue" not in items[1] and "Due in 4 hours" in items[1]
    assert "Round 1 of 3" in items[0]
    # Bob decides, so the image (and only the image) can be ticked for bulk approval.
    assert response.text.count('name="draft"') == 1 and f'value="{soon}"' in response.text


async def test_it_issues_as_many_queries_for_a_full_queue_as_for_a_short_one(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    deliverables = await acme_deliverables(cast)
    await submitted_draft(client, local_storage, cast.alice_id, deliverables[REEL])
    await act_as_staff(client, cast.bob_id)
    await client.get(QUEUE)  # warm up (the session row is touched on first use)
    with count_queries() as short:
        assert (await client.get(QUEUE)).status_code == 200
    for index in range(2):
        more = await acme_deliverables(cast)
        await submitted_draft(client, local_storage, cast.alice_id, more[STORY], image=True)
        await submitted_draft(client, local_storage, cast.alice_id, more[VIDEO])
        await submitted_draft(client, local_storage, cast.alice_id, more[POST], image=index == 0)
    with count_queries() as full:
        response = await client.get(QUEUE)
    assert response.text.count('<li class="review-item') == 7
    assert full.count == short.count


async def test_it_pages_the_queue(client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage) -> None:
    from shared.content.review_queries import list_review_queue

    deliverables = await acme_deliverables(cast)
    drafts = [
        await submitted_draft(client, local_storage, cast.alice_id, d, image=i in (STORY, POST))
        for i, d in enumerate(deliverables)
    ]
    first = await list_review_queue(cast.acme_id, limit=3)
    second = await list_review_queue(cast.acme_id, after=first.next_after, limit=3)
    assert [r.draft_id for r in first.rows + second.rows] == drafts and second.next_after is None
    await act_as_staff(client, cast.bob_id)
    assert (await client.get(f"{QUEUE}?after=nonsense")).status_code == 400


async def test_it_plays_the_draft_through_a_signed_url_that_downloads(
    client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int]
) -> None:
    _, draft_id = reel
    await act_as_staff(client, cast.vic_id)  # a viewer looks too
    page = (await client.get(review_url(draft_id))).text
    match = re.search(
        r'<video id="draft-media-\d+" class="review-player" controls preload="metadata"[^>]*src="([^"]+)"', page
    )
    assert match, page
    url = match.group(1).replace("&amp;", "&")
    assert "/storage/objects/" in url
    # Fetched as the browser's player would: no session needed, the signature is the permission.
    client.cookies.clear()
    download = await client.get(url)
    assert download.status_code == 200 and download.content == MP4
    assert download.headers["content-type"] == "video/mp4"
    # A fresh URL on every view (it expires in minutes).
    await act_as_staff(client, cast.vic_id)
    assert "#ad Trail day" in page  # the caption
    assert "Disclosure check" in page
    # A viewer sees no forms to comment or decide.
    assert "/comments" not in page and "/decision" not in page


async def test_it_shows_an_image_and_the_previous_version_beside_it(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    deliverables = await acme_deliverables(cast)
    first = await submitted_draft(client, local_storage, cast.alice_id, deliverables[POST], image=True)
    await act_as_staff(client, cast.bob_id)
    response = await _post(
        client,
        review_url(first),
        f"{review_url(first)}/decision",
        {"decision": "changes_requested", "note": "Brighter, please."},
    )
    assert response.status_code == 303 and response.headers["location"] == QUEUE
    second = await submitted_draft(client, local_storage, cast.alice_id, deliverables[POST], image=True)
    page = (await client.get(review_url(second))).text
    assert "Previous version" in page and "Round 2 of 3" in page
    images = re.findall(r'<img id="draft-media-(\d+)" class="review-image" src="([^"]+)"', page)
    assert [int(i) for i, _ in images] == [second, first]
    download = await client.get(images[0][1].replace("&amp;", "&"))
    assert download.content == PNG
    assert "What was said on version 1" in page and "Brighter, please." in page  # what was asked last time
    assert "Changes requested" in page  # version 1's decision, beside it


async def test_it_adds_internal_and_shared_comments_at_a_moment(
    client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int]
) -> None:
    _deliverable_id, draft_id = reel
    await act_as_staff(client, cast.bob_id)
    url = review_url(draft_id)
    shared = await _post(
        client,
        url,
        f"{url}/comments",
        {"body": "Logo is covered here", "visibility": "shared", "at_current": "1", "at_ms": "12500"},
    )
    assert shared.status_code == 303 and shared.headers["location"].startswith(f"{url}#comment-")
    internal = await _post(client, url, f"{url}/comments", {"body": "Ask legal", "visibility": "internal"})
    assert internal.status_code == 303
    page = (await client.get(url)).text
    assert 'data-seek-ms="12500"' in page and "at 0:12" in page
    assert "Internal" in page and "Ask legal" in page
    rows = await DraftComment.select().where(DraftComment.draft == draft_id).order_by(DraftComment.id)
    assert [(r["shared"], r["at_ms"]) for r in rows] == [(True, 12500), (False, None)]
    # An empty comment keeps what was chosen and says what to do.
    refused = await _post(client, url, f"{url}/comments", {"body": " ", "visibility": "internal"})
    assert refused.status_code == 400 and "Write a comment first." in refused.text
    assert 'value="internal" checked' in refused.text
    # Ticking "at the current time" without a time (no script ran) is refused, not stored at 0:00.
    no_time = await _post(client, url, f"{url}/comments", {"body": "Here", "at_current": "1", "at_ms": ""})
    assert no_time.status_code == 400 and "time could not be read" in no_time.text


async def test_it_decides_and_needs_a_note_to_request_changes(
    client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int]
) -> None:
    deliverable_id, draft_id = reel
    await act_as_staff(client, cast.bob_id)
    url = review_url(draft_id)
    refused = await _post(client, url, f"{url}/decision", {"decision": "changes_requested", "note": ""})
    assert refused.status_code == 400 and "Tell the creator what to change" in refused.text
    assert 'value="changes_requested" checked' in refused.text
    assert await _status(deliverable_id) == "draft_submitted"
    done = await _post(client, url, f"{url}/decision", {"decision": "changes_requested", "note": "Reshoot the end."})
    assert done.status_code == 303 and done.headers["location"] == QUEUE
    assert await _status(deliverable_id) == "changes_requested"
    queue = (await client.get(QUEUE)).text
    assert "Changes requested. The creator has been told." in queue and "Nothing to review." in queue
    # Deciding again is refused with the reason, on the review page.
    again = await _post(client, url, f"{url}/decision", {"decision": "approved"})
    assert again.status_code == 303 and again.headers["location"] == url
    assert "already decided" in (await client.get(url)).text


async def test_it_offers_no_approval_of_a_blocked_draft(
    client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int]
) -> None:
    deliverable_id, draft_id = reel
    await get_engine().fetch("UPDATE draft SET disclosure_confirmed = false WHERE id = $1", draft_id)
    await act_as_staff(client, cast.bob_id)
    url = review_url(draft_id)
    page = (await client.get(url)).text
    assert "it can't be approved" in page and 'value="approved" disabled' in page
    # Sent anyway (an old tab): refused with the reason.
    forced = await _post(client, url, f"{url}/decision", {"decision": "approved"})
    assert forced.status_code == 303
    assert "disclosure check blocks it" in (await client.get(url)).text
    assert await _status(deliverable_id) == "draft_submitted"


async def test_it_approves_ticked_images_in_bulk(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    deliverables = await acme_deliverables(cast)
    story = await submitted_draft(client, local_storage, cast.alice_id, deliverables[STORY], image=True)
    post = await submitted_draft(client, local_storage, cast.alice_id, deliverables[POST], image=True)
    video = await submitted_draft(client, local_storage, cast.alice_id, deliverables[VIDEO])
    await act_as_staff(client, cast.olivia_id)
    page = (await client.get(QUEUE)).text
    token = csrf_token_from(page)
    response = await client.post(
        f"{QUEUE}/bulk-approve",
        data={"_csrf_token": token, "draft": [str(story), str(post), str(video)]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    queue = (await client.get(QUEUE)).text
    assert "Approved 2 images." in queue and f"Draft #{video} was left out" in queue
    assert [await _status(deliverables[i]) for i in (STORY, POST, VIDEO)] == ["approved", "approved", "draft_submitted"]
    none = await _post(client, QUEUE, f"{QUEUE}/bulk-approve", {})
    assert none.status_code == 400 and "Tick the images to approve first." in none.text


@pytest.mark.parametrize("who", ["fran", "vic"])
async def test_it_lets_finance_and_viewers_look_only(
    client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int], who: str
) -> None:
    _, draft_id = reel
    await act_as_staff(client, cast.fran_id if who == "fran" else cast.vic_id)
    queue = await client.get(QUEUE)
    assert queue.status_code == 200 and review_url(draft_id) in queue.text and 'name="draft"' not in queue.text
    url = review_url(draft_id)
    for action, data in [
        (f"{url}/decision", {"decision": "approved"}),
        (f"{url}/comments", {"body": "Hi"}),
        (f"{QUEUE}/bulk-approve", {"draft": str(draft_id)}),
    ]:
        assert (await _post(client, url, action, data)).status_code == 403
    assert not await DraftComment.exists().where(DraftComment.draft == draft_id)


async def test_it_hides_acme_drafts_from_globex(client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int]) -> None:
    _, draft_id = reel
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(QUEUE)).status_code == 404
    assert (await client.get(review_url(draft_id))).status_code == 404
    # Under his own brand's address the draft does not exist either.
    assert (await client.get(f"/backoffice/b/globex/reviews/{draft_id}")).status_code == 404
    assert "Nothing to review." in (await client.get("/backoffice/b/globex/reviews")).text


async def test_it_sends_strangers_and_creators_to_sign_in(
    client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int]
) -> None:
    _, draft_id = reel
    for url in (QUEUE, review_url(draft_id)):
        response = await client.get(url, follow_redirects=False)
        assert response.status_code in (302, 303) and "signin" in response.headers["location"]
    await act_as_creator(client, cast.alice_id)
    response = await client.get(review_url(draft_id), follow_redirects=False)
    assert response.status_code in (302, 303) and "signin" in response.headers["location"]


async def test_the_brand_page_links_the_queue_with_its_count(
    client: httpx.AsyncClient, cast: Cast, reel: tuple[int, int]
) -> None:
    await do_grant_membership(ACTOR, staff_id=cast.bob_id, brand_id=cast.globex_id, role=Role.MANAGER)
    await act_as_staff(client, cast.bob_id)
    page = (await client.get("/backoffice/b/acme")).text
    assert 'href="/backoffice/b/acme/reviews">Reviews <span class="count-badge">1' in page
    # The badge is the brand's whose page this is (it comes with the staff member's brands in one statement).
    other = (await client.get("/backoffice/b/globex")).text
    assert 'href="/backoffice/b/globex/reviews">Reviews</a>' in other  # nothing waits at Globex: no badge


async def test_a_creator_never_sees_a_review_of_someone_elses_draft(cast: Cast, reel: tuple[int, int]) -> None:
    from shared.content.review_queries import list_shared_feedback

    deliverable_id, _ = reel
    other = await do_create_creator(
        ACTOR, display_name="Bilal Khan", email="bilal@creators.test", country="GB", niches=["tech"], accounts=[]
    )
    assert await list_shared_feedback(int(other.id), deliverable_id) == []
