"""The creator's draft uploads through the real actions, against both storage backends (moto's S3 server and
the app's local disk): start, parts, resume, verification (oversize, mislabeled), rounds, sending, go-live."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from shared.audit.context import system_actor
from shared.content.actions import (
    abort_abandoned_uploads,
    check_complete_upload,
    check_start_upload,
    check_submit_draft,
    check_submit_live,
    do_confirm_disclosure,
    do_record_sha256,
    do_update_caption,
    list_uploaded_parts,
    sign_part,
)
from shared.content.queries import get_deliverable_for_creator
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import IllegalTransition, InvalidInput, NotFound
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.storage import MIN_PART_BYTES, Storage, UploadedPart
from shared.integrations.storage_local import LocalStorage
from shared.jobs import job_queue
from tests.backoffice.board_helpers import deliverable_ids, set_deliverable
from tests.conftest import Cast
from tests.factories import agreed_deal

ACTOR = system_actor("test")
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
SMALL_VIDEO = MP4_HEAD + bytes(200_000)
GOOD_CAPTION = "#ad Paid partnership with @acme — my new trail pack #acmetrail"
BAD_CAPTION = "Loving my new pack"


@dataclass
class Backend:
    name: str
    storage: Storage
    http: httpx.AsyncClient  # plays the browser: PUTs the signed part URLs


@pytest.fixture(params=["s3", "local"])
async def backend(
    request: pytest.FixtureRequest, client: httpx.AsyncClient, local_storage: LocalStorage
) -> AsyncIterator[Backend]:
    if request.param == "s3":
        async with httpx.AsyncClient(timeout=30) as http:
            yield Backend("s3", request.getfixturevalue("s3_storage"), http)
    else:
        yield Backend("local", local_storage, client)


async def reel(cast: Cast) -> int:
    """Alice's agreed Instagram reel (the first deliverable of the factory's deal)."""
    deal = await agreed_deal(cast)
    return (await deliverable_ids(deal.collaboration_id))[0]


async def upload(
    backend: Backend,
    cast: Cast,
    deliverable_id: int,
    body: bytes,
    *,
    content_type: str = "video/mp4",
    declared: int | None = None,
    caption: str = GOOD_CAPTION,
    part_size: int | None = None,
) -> int:
    """Start, PUT every part to its signed URL, complete; returns the draft id (raises as the action does)."""
    started = await check_start_upload(
        ACTOR,
        cast.alice_id,
        deliverable_id,
        filename="trail.mp4",
        content_type=content_type,
        size=declared if declared is not None else len(body),
        storage=backend.storage,
    )
    size = part_size or max(len(body), 1)
    parts = []
    for number, start in enumerate(range(0, len(body), size), start=1):
        url = await sign_part(cast.alice_id, started.draft_id, number, storage=backend.storage)
        response = await backend.http.put(url, content=body[start : start + size])
        assert response.status_code == 200, response.text
        parts.append(UploadedPart(number, response.headers["etag"], 0))
    await check_complete_upload(
        ACTOR, cast.alice_id, started.draft_id, parts=parts, caption=caption, storage=backend.storage
    )
    return started.draft_id


async def draft_row(draft_id: int) -> dict[str, object]:
    return dict((await get_engine().fetch("SELECT * FROM draft WHERE id = $1", draft_id))[0])


async def test_it_uploads_in_parts_verifies_and_records_the_checksum(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    body = MP4_HEAD + bytes(range(256)) * ((MIN_PART_BYTES + 100_000) // 256)
    draft_id = await upload(backend, cast, deliverable_id, body, part_size=MIN_PART_BYTES)
    row = await draft_row(draft_id)
    assert row["upload_state"] == "verified" and row["size"] == len(body) and row["checksum"]
    assert row["storage_key"] == f"creators/{cast.alice_id}/deliverables/{deliverable_id}/drafts/{draft_id}/trail.mp4"
    assert row["disclosure_result"] in ("pass", "warn")
    import hashlib

    assert await do_record_sha256(draft_id, storage=backend.storage) == hashlib.sha256(body).hexdigest()
    assert (await draft_row(draft_id))["sha256"] == hashlib.sha256(body).hexdigest()
    view = await get_deliverable_for_creator(cast.alice_id, deliverable_id)
    assert view.latest is not None and view.latest.id == draft_id and view.rounds.label() == "round 1 of 3"


async def test_it_resumes_from_the_parts_storage_already_has(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    body = MP4_HEAD + bytes(MIN_PART_BYTES + 1000)
    started = await check_start_upload(
        ACTOR,
        cast.alice_id,
        deliverable_id,
        filename="trail.mp4",
        content_type="video/mp4",
        size=len(body),
        storage=backend.storage,
    )
    url = await sign_part(cast.alice_id, started.draft_id, 1, storage=backend.storage)
    assert (await backend.http.put(url, content=body[:MIN_PART_BYTES])).status_code == 200
    # The page reloads: the browser asks what arrived and sends only the rest.
    arrived = await list_uploaded_parts(cast.alice_id, started.draft_id, storage=backend.storage)
    assert [p.number for p in arrived] == [1]
    url = await sign_part(cast.alice_id, started.draft_id, 2, storage=backend.storage)
    assert (await backend.http.put(url, content=body[MIN_PART_BYTES:])).status_code == 200
    # No list from the browser: storage's own list of parts is used.
    await check_complete_upload(
        ACTOR, cast.alice_id, started.draft_id, parts=[], caption=GOOD_CAPTION, storage=backend.storage
    )
    assert (await draft_row(started.draft_id))["upload_state"] == "verified"


async def test_it_rejects_and_deletes_a_file_bigger_than_declared(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    with pytest.raises(InvalidInput, match="not the 1,000 it said"):
        await upload(backend, cast, deliverable_id, SMALL_VIDEO, declared=1000)
    [draft] = await get_engine().fetch("SELECT * FROM draft WHERE deliverable = $1", deliverable_id)
    assert draft["upload_state"] == "rejected" and "Upload it again" in draft["rejection_reason"]
    assert await backend.storage.head(draft["storage_key"]) is None


async def test_it_refuses_a_declared_file_over_the_limit(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    with pytest.raises(InvalidInput, match="larger than this deliverable takes"):
        await check_start_upload(
            ACTOR,
            cast.alice_id,
            deliverable_id,
            filename="huge.mp4",
            content_type="video/mp4",
            size=11 * 1024**3,
            storage=backend.storage,
        )
    assert not await get_engine().fetch("SELECT id FROM draft")


async def test_it_rejects_and_deletes_a_png_declared_as_mp4(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    with pytest.raises(InvalidInput) as refused:
        await upload(backend, cast, deliverable_id, PNG_HEAD + bytes(50_000))
    assert str(refused.value) == "This file is a PNG image, not the MP4 video it said it was."
    [draft] = await get_engine().fetch("SELECT * FROM draft WHERE deliverable = $1", deliverable_id)
    assert draft["upload_state"] == "rejected"
    assert await backend.storage.head(draft["storage_key"]) is None
    view = await get_deliverable_for_creator(cast.alice_id, deliverable_id)
    assert view.latest is None and view.drafts[0].row["rejection_reason"].startswith("This file is a PNG")


async def test_it_hides_other_creators_deliverables_and_drafts(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    draft_id = await upload(backend, cast, deliverable_id, SMALL_VIDEO)
    bruno = await do_create_creator(
        ACTOR,
        display_name="Bruno Diaz",
        email="bruno@creators.test",
        country="US",
        niches=["climbing"],
        accounts=[SocialAccount("instagram", "ig-bruno", "bruno.climbs", 20_000)],
    )
    with pytest.raises(NotFound):
        await check_start_upload(
            ACTOR,
            int(bruno.id),
            deliverable_id,
            filename="x.mp4",
            content_type="video/mp4",
            size=10,
            storage=backend.storage,
        )
    with pytest.raises(NotFound):
        await sign_part(int(bruno.id), draft_id, 1, storage=backend.storage)
    with pytest.raises(NotFound):
        await get_deliverable_for_creator(int(bruno.id), deliverable_id)
    with pytest.raises(NotFound):
        await check_submit_draft(ACTOR, int(bruno.id), draft_id)


async def test_it_counts_rounds_and_flags_one_beyond_the_agreement(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)  # 2 rounds of changes agreed: 3 drafts included
    for expected in ("round 1 of 3", "round 2 of 3", "round 3 of 3", "round 4 of 3"):
        view = await get_deliverable_for_creator(cast.alice_id, deliverable_id)
        assert view.rounds.label() == expected
        assert view.rounds.beyond_agreement == (expected == "round 4 of 3")
        draft_id = await upload(backend, cast, deliverable_id, SMALL_VIDEO)
        await do_confirm_disclosure(ACTOR, cast.alice_id, draft_id, confirmed=True)
        await check_submit_draft(ACTOR, cast.alice_id, draft_id)  # allowed, even beyond the agreement
        await set_deliverable(deliverable_id, status="changes_requested")  # the brand's decision (review area)
    audit = await get_engine().fetch(
        "SELECT after FROM audit_log WHERE action = 'draft.submitted' ORDER BY id DESC LIMIT 1"
    )
    assert '"beyond_agreement": true' in str(audit[0]["after"])
    notes = await get_engine().fetch("SELECT title FROM notification WHERE kind = 'draft.submitted' ORDER BY id")
    assert any("round 4 of 3 — beyond the agreed rounds" in n["title"] for n in notes)


async def test_it_refuses_to_send_a_draft_whose_caption_blocks(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    draft_id = await upload(backend, cast, deliverable_id, SMALL_VIDEO, caption=BAD_CAPTION)
    await do_confirm_disclosure(ACTOR, cast.alice_id, draft_id, confirmed=True)
    assert (await draft_row(draft_id))["disclosure_result"] == "block"
    with pytest.raises(InvalidInput, match="Must fix"):
        await check_submit_draft(ACTOR, cast.alice_id, draft_id)
    # Unconfirmed on-screen/spoken disclosure blocks a video too, even with a good caption.
    assert (await do_update_caption(ACTOR, cast.alice_id, draft_id, caption=GOOD_CAPTION)).verdict != "block"
    await do_confirm_disclosure(ACTOR, cast.alice_id, draft_id, confirmed=False)
    with pytest.raises(InvalidInput):
        await check_submit_draft(ACTOR, cast.alice_id, draft_id)
    await do_confirm_disclosure(ACTOR, cast.alice_id, draft_id, confirmed=True)
    await check_submit_draft(ACTOR, cast.alice_id, draft_id)
    row = await draft_row(draft_id)
    assert row["submitted_at"] is not None and row["review_due_at"] is not None
    view = await get_deliverable_for_creator(cast.alice_id, deliverable_id)
    assert view.status == "draft_submitted"


async def test_it_takes_live_urls_only_on_the_deliverables_platform(cast: Cast) -> None:
    deliverable_id = await reel(cast)  # Instagram
    with pytest.raises(IllegalTransition):
        await check_submit_live(ACTOR, cast.alice_id, deliverable_id, urls=["https://www.instagram.com/p/abc/"])
    await set_deliverable(deliverable_id, status="approved")  # the brand's approval (review area)
    with pytest.raises(InvalidInput, match=r"not on instagram\.com"):
        await check_submit_live(ACTOR, cast.alice_id, deliverable_id, urls=["https://www.tiktok.com/@alice/video/1"])
    with pytest.raises(InvalidInput, match="https"):
        await check_submit_live(ACTOR, cast.alice_id, deliverable_id, urls=["http://instagram.com/p/abc/"])
    urls = await check_submit_live(ACTOR, cast.alice_id, deliverable_id, urls=["https://www.instagram.com/p/abc/"])
    assert urls == ["https://www.instagram.com/p/abc/"]
    view = await get_deliverable_for_creator(cast.alice_id, deliverable_id)
    assert view.status == "live" and view.live_urls == urls and view.row["live_at"] is not None
    assert await get_engine().fetch("SELECT id FROM notification WHERE kind = 'deliverable.live'")


async def test_it_aborts_abandoned_uploads(backend: Backend, cast: Cast) -> None:
    deliverable_id = await reel(cast)
    started = await check_start_upload(
        ACTOR,
        cast.alice_id,
        deliverable_id,
        filename="trail.mp4",
        content_type="video/mp4",
        size=1000,
        storage=backend.storage,
    )
    assert await abort_abandoned_uploads(backend.storage, dt.timedelta(hours=1)) == 0  # too recent
    await get_engine().fetch("UPDATE draft SET created_at = now() - interval '2 days' WHERE id = $1", started.draft_id)
    assert await abort_abandoned_uploads(backend.storage, dt.timedelta(seconds=0)) == 1
    assert (await draft_row(started.draft_id))["upload_state"] == "abandoned"
    pending = await backend.storage.list_multipart_uploads(started_before=dt.datetime.now(dt.UTC) + dt.timedelta(1))
    assert all(p.upload_id != started.upload_id for p in pending)
    with pytest.raises(IllegalTransition):
        await sign_part(cast.alice_id, started.draft_id, 1, storage=backend.storage)


async def test_it_queues_the_checksum_job_once_the_draft_is_verified(
    cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage, database_url: str
) -> None:
    async with job_queue(database_url):
        draft_id = await upload(Backend("local", local_storage, client), cast, await reel(cast), SMALL_VIDEO)
    rows = await get_engine().fetch(
        "SELECT task_name, args FROM procrastinate_jobs WHERE task_name = 'compute_draft_sha256'"
    )
    assert [jsonb(row["args"]) for row in rows] == [{"draft_id": draft_id}]
