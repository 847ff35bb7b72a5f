"""The deliverable page and the upload endpoints over HTTP, in local-storage mode: parts are PUT to the
signed URLs the app serves itself. Only the deliverable's creator gets anywhere; staff and strangers sign in."""

from __future__ import annotations

import re

import httpx

from shared.db.engine import get_engine
from shared.identity.actions import SocialAccount, do_create_creator
from tests.backoffice.board_helpers import deliverable_ids, set_deliverable
from tests.conftest import Cast
from tests.factories import ACTOR, agreed_deal
from tests.personas import act_as_creator, act_as_staff

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(300_000)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300_000)
CAPTION = "#ad Paid partnership with @acme — my new trail pack #acmetrail"


async def reel(cast: Cast) -> int:
    deal = await agreed_deal(cast)
    return (await deliverable_ids(deal.collaboration_id))[0]


async def headers(client: httpx.AsyncClient, deliverable_id: int) -> dict[str, str]:
    """What uploads.js sends: the CSRF token base.html exposes (the same header htmx uses)."""
    page = await client.get(f"/work/{deliverable_id}")
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'"x-csrftoken": "([^"]+)"', page.text)
    assert token
    return {"x-csrftoken": token.group(1), "accept": "application/json"}


async def upload(client: httpx.AsyncClient, deliverable_id: int, body: bytes, *, declared: str = "video/mp4"):  # type: ignore[no-untyped-def]
    h = await headers(client, deliverable_id)
    base = f"/work/{deliverable_id}/uploads"
    started = await client.post(base, json={"filename": "trail.mp4", "type": declared, "size": len(body)}, headers=h)
    assert started.status_code == 201, started.text
    draft_id = started.json()["draftId"]
    signed = await client.post(f"{base}/{draft_id}/parts/1", headers=h)
    assert signed.status_code == 200, signed.text
    put = await client.put(signed.json()["url"], content=body)  # straight to storage, as the browser does
    assert put.status_code == 200, put.text
    parts = await client.get(f"{base}/{draft_id}/parts", headers=h)
    assert parts.json()[0]["PartNumber"] == 1
    done = await client.post(
        f"{base}/{draft_id}/complete",
        json={"parts": [{"PartNumber": 1, "ETag": put.headers["etag"]}], "caption": CAPTION},
        headers=h,
    )
    return draft_id, done


async def test_it_uploads_checks_and_sends_a_draft(client: httpx.AsyncClient, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    await act_as_creator(client, cast.alice_id)
    page = await client.get(f"/work/{deliverable_id}")
    assert page.status_code == 200
    assert "Round 1 of 3" in page.text and "data-uploader" in page.text and "#acmetrail" in page.text
    draft_id, done = await upload(client, deliverable_id, MP4)
    assert done.status_code == 200, done.text
    assert done.json()["draftId"] == draft_id and done.json()["disclosure"]["verdict"] in ("pass", "warn")
    page = await client.get(f"/work/{deliverable_id}")
    assert "Draft 1" in page.text and "Send draft 1 for review" in page.text and "<video" in page.text
    h = await headers(client, deliverable_id)
    # A video needs the on-screen and spoken disclosure confirmed before it can be sent.
    refused = await client.post(f"/work/{deliverable_id}/drafts/{draft_id}/submit", headers=h)
    assert refused.status_code == 400 and "Must fix" in refused.text
    await client.post(
        f"/work/{deliverable_id}/drafts/{draft_id}/caption", data={"caption": CAPTION, "confirmed": "yes"}, headers=h
    )
    sent = await client.post(f"/work/{deliverable_id}/drafts/{draft_id}/submit", headers=h)
    assert sent.status_code == 200 and "Sent for review" in sent.text
    status = await get_engine().fetch("SELECT status FROM deliverable WHERE id = $1", deliverable_id)
    assert status[0]["status"] == "draft_submitted"


async def test_it_sends_the_caption_and_the_tick_that_came_with_send(client: httpx.AsyncClient, cast: Cast) -> None:
    """The page's one form: ticking the box and pressing Send sends (the box belonged to another form once)."""
    deliverable_id = await reel(cast)
    await act_as_creator(client, cast.alice_id)
    draft_id, _done = await upload(client, deliverable_id, MP4)
    page = await client.get(f"/work/{deliverable_id}")
    assert page.text.count('name="caption"') == 1  # one caption, the draft's
    h = await headers(client, deliverable_id)
    # Unticked: refused, and what was typed is kept (saved, and shown again).
    typed = CAPTION + " Sunrise edit."
    refused = await client.post(
        f"/work/{deliverable_id}/drafts/{draft_id}/submit",
        data={"caption": typed, "confirm_asked": "yes"},
        headers=h,
    )
    assert refused.status_code == 400 and "Must fix" in refused.text and "Sunrise edit." in refused.text
    sent = await client.post(
        f"/work/{deliverable_id}/drafts/{draft_id}/submit",
        data={"caption": typed, "confirm_asked": "yes", "confirmed": "yes"},
        headers=h,
    )
    assert sent.status_code == 200 and "Sent for review" in sent.text
    row = await get_engine().fetch(
        "SELECT caption, disclosure_confirmed, submitted_at FROM draft WHERE id = $1", draft_id
    )
    assert row[0]["caption"] == typed and row[0]["disclosure_confirmed"] and row[0]["submitted_at"] is not None


async def test_it_says_why_a_mislabeled_file_was_refused(client: httpx.AsyncClient, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    await act_as_creator(client, cast.alice_id)
    _, done = await upload(client, deliverable_id, PNG)
    assert done.status_code == 400
    assert done.json()["detail"] == "This file is a PNG image, not the MP4 video it said it was."
    page = await client.get(f"/work/{deliverable_id}")
    assert "This file is a PNG image" in page.text and "Not accepted" in page.text


async def test_it_answers_uppys_s3_requests(client: httpx.AsyncClient, cast: Cast) -> None:
    """Uppy's S3 client reads S3 XML: start, list parts, complete (already verified), abort."""
    deliverable_id = await reel(cast)
    await act_as_creator(client, cast.alice_id)
    h = {"x-csrftoken": (await headers(client, deliverable_id))["x-csrftoken"]}
    base = f"/work/{deliverable_id}/uploads"
    started = await client.post(
        f"{base}?as=s3&filename=trail.mp4&type=video/mp4&size={len(MP4)}", headers={**h, "content-type": "video/mp4"}
    )
    assert started.status_code == 200 and started.headers["content-type"].startswith("application/xml")  # as S3 answers
    draft_id = int(re.search(r"<UploadId>(\d+)</UploadId>", started.text).group(1))  # type: ignore[union-attr]
    listed = await client.get(f"{base}/{draft_id}/parts?as=s3")
    assert "<ListPartsResult>" in listed.text
    aborted = await client.delete(f"{base}/{draft_id}?as=s3", headers=h)
    assert aborted.status_code == 204
    state = await get_engine().fetch("SELECT upload_state FROM draft WHERE id = $1", draft_id)
    assert state[0]["upload_state"] == "abandoned"


async def test_it_never_signs_for_another_creators_deliverable(client: httpx.AsyncClient, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    await act_as_creator(client, cast.alice_id)
    h = await headers(client, deliverable_id)
    started = await client.post(
        f"/work/{deliverable_id}/uploads", json={"filename": "a.mp4", "type": "video/mp4", "size": 10}, headers=h
    )
    draft_id = started.json()["draftId"]
    bruno = await do_create_creator(
        ACTOR,
        display_name="Bruno Diaz",
        email="bruno@creators.test",
        country="US",
        niches=["climbing"],
        accounts=[SocialAccount("instagram", "ig-bruno", "bruno.climbs", 20_000)],
    )
    await act_as_creator(client, int(bruno.id))
    token = (await client.get("/work")).text
    csrf = re.search(r'"x-csrftoken": "([^"]+)"', token).group(1)  # type: ignore[union-attr]
    h = {"x-csrftoken": csrf, "accept": "application/json"}
    assert (await client.get(f"/work/{deliverable_id}")).status_code == 404
    for method, url in [
        ("POST", f"/work/{deliverable_id}/uploads"),
        ("POST", f"/work/{deliverable_id}/uploads/{draft_id}/parts/1"),
        ("GET", f"/work/{deliverable_id}/uploads/{draft_id}/parts"),
        ("POST", f"/work/{deliverable_id}/uploads/{draft_id}/complete"),
        ("DELETE", f"/work/{deliverable_id}/uploads/{draft_id}"),
    ]:
        response = await client.request(
            method, url, json={"filename": "b.mp4", "type": "video/mp4", "size": 10}, headers=h
        )
        assert response.status_code == 404, (url, response.text)
    assert "url" not in response.text


async def test_it_sends_strangers_and_staff_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    page = await client.get(f"/work/{deliverable_id}", follow_redirects=False)
    assert page.status_code in (302, 303) and "signin" in page.headers["location"]
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"/work/{deliverable_id}", follow_redirects=False)
    assert page.status_code in (302, 303) and "signin" in page.headers["location"]


async def test_it_takes_the_live_link_once_approved(client: httpx.AsyncClient, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    await set_deliverable(deliverable_id, status="approved")
    await act_as_creator(client, cast.alice_id)
    h = await headers(client, deliverable_id)
    wrong = await client.post(
        f"/work/{deliverable_id}/live", data={"urls": "https://www.youtube.com/watch?v=1"}, headers=h
    )
    assert wrong.status_code == 400 and "not on instagram.com" in wrong.text
    ok = await client.post(f"/work/{deliverable_id}/live", data={"urls": "https://www.instagram.com/p/xyz/"}, headers=h)
    assert ok.status_code == 200 and "Your post is live" in ok.text


async def test_the_work_list_links_to_the_deliverable_page(client: httpx.AsyncClient, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    await act_as_creator(client, cast.alice_id)
    assert f'href="/work/{deliverable_id}"' in (await client.get("/work")).text
