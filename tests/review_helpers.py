"""Drafts waiting for review, made through the creator's real actions (upload, verify, submit) against the
test app's storage, for the review tests and the authorization matrix."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from shared.audit.context import system_actor
from shared.content.actions import (
    check_complete_upload,
    check_start_upload,
    check_submit_draft,
    do_confirm_disclosure,
    sign_part,
)
from shared.db.tables import Deliverable
from shared.identity.queries import StaffContext, get_staff_context
from shared.integrations.storage import Storage, UploadedPart
from shared.integrations.storage_local import LocalStorage
from tests.conftest import Cast
from tests.factories import agreed_deal

ACTOR = system_actor("test")

# Just enough of each format for the magic-byte check (the review screen never decodes the file).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 512
# Passes the brief's checks: a clear disclosure up front, the required hashtag and mention.
CAPTION = "#ad Trail day with my new pack from @acme #acmetrail"

# agreed_deal(deliverables=4) gives, in order: reel (Instagram), story (Instagram), video (YouTube),
# post (TikTok). A reel takes video only; a post or a story may be an image.
REEL, STORY, VIDEO, POST = range(4)


async def deliverables_of(collaboration_id: int) -> list[int]:
    rows = (
        await Deliverable.select(Deliverable.id)
        .where(Deliverable.collaboration == collaboration_id)
        .order_by(Deliverable.position)
    )
    return [int(row["id"]) for row in rows]


async def acme_deliverables(cast: Cast) -> list[int]:
    """Alice's four deliverables of a new Acme deal (reel, story, video, post; two rounds of changes agreed)."""
    deal = await agreed_deal(cast, deliverables=4)
    return await deliverables_of(deal.collaboration_id)


async def _send_part(http: httpx.AsyncClient | None, storage: Storage, url: str, body: bytes) -> str:
    """PUT one part to its signed URL, as the browser does; with no client, hand the bytes to the local store
    the way its route does (for the authorization matrix, whose sample objects are made before any request)."""
    if http is not None:
        response = await http.put(url, content=body)
        assert response.status_code == 200, response.text
        return response.headers["etag"]
    assert isinstance(storage, LocalStorage)

    async def chunks() -> AsyncIterator[bytes]:
        yield body

    return await storage.receive_part(storage.verify(url.rsplit("/", 1)[1], "part"), chunks())


def matrix_storage() -> LocalStorage:
    """A throwaway local store for sample drafts (the matrix's app never serves their files)."""
    return LocalStorage(Path(tempfile.mkdtemp(prefix="rapport-review-")), secret_key="matrix", base_url="http://x")


async def submitted_draft(
    http: httpx.AsyncClient | None,
    storage: Storage,
    creator_id: int,
    deliverable_id: int,
    *,
    image: bool = False,
    caption: str = CAPTION,
) -> int:
    """Alice uploads a small file for the deliverable, it is verified, and she sends it for review."""
    body, content_type, filename = (PNG, "image/png", "pack.png") if image else (MP4, "video/mp4", "trail.mp4")
    started = await check_start_upload(
        ACTOR,
        creator_id,
        deliverable_id,
        filename=filename,
        content_type=content_type,
        size=len(body),
        storage=storage,
    )
    url = await sign_part(creator_id, started.draft_id, 1, storage=storage)
    part = UploadedPart(1, await _send_part(http, storage, url, body), len(body))
    await check_complete_upload(ACTOR, creator_id, started.draft_id, parts=[part], caption=caption, storage=storage)
    # Videos and stories ask the creator to confirm the disclosure is on screen and spoken; she does.
    await do_confirm_disclosure(ACTOR, creator_id, started.draft_id, confirmed=True)
    await check_submit_draft(ACTOR, creator_id, started.draft_id)
    return started.draft_id


async def bob(cast: Cast) -> StaffContext:
    return await get_staff_context(cast.bob_id)
