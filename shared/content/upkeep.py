"""What content's jobs do (shared.content.tasks): record a verified draft's SHA-256, give up abandoned uploads.

Kept out of shared.content.actions, which queues these jobs: the tasks import this module, the actions import
the tasks, and nothing here imports either, so the graph has no cycle."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor, system_actor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.integrations.storage import Storage, StorageError

log = logging.getLogger(__name__)


# Uploads still 'initiated' this long after they started are given up (a phone may pause for hours;
# a day is generous and keeps the store from holding orphaned parts for long).
ABANDON_AFTER = dt.timedelta(hours=24)


@dataclass(frozen=True)
class StoredDraft:
    """A draft's file in storage: where it is, how far its upload got, its digest once recorded ('' before)."""

    id: int
    storage_key: str
    upload_state: str
    upload_id: str  # the multipart upload's id; '' for a single PUT
    sha256: str


_STORED = "SELECT id, storage_key, upload_state, upload_id, sha256 FROM draft"


def _stored(row: Mapping[str, Any]) -> StoredDraft:
    return StoredDraft(
        id=int(row["id"]),
        storage_key=row["storage_key"],
        upload_state=row["upload_state"],
        upload_id=row["upload_id"] or "",
        sha256=row["sha256"] or "",
    )


async def do_record_sha256(draft_id: int, *, storage: Storage) -> str:
    """Read the verified file once, in chunks, and keep its SHA-256 (run by a job, never in a request)."""
    rows = await get_engine().fetch(f"{_STORED} WHERE id = $1", draft_id)
    draft = _stored(rows[0]) if rows else None
    if draft is None or draft.upload_state != "verified":
        return ""
    if draft.sha256:
        return draft.sha256
    digest = await storage.sha256(draft.storage_key)
    async with atomic():
        await get_engine().fetch("UPDATE draft SET sha256 = $2 WHERE id = $1 AND sha256 = ''", draft_id, digest)
    return digest


async def abandon_drafts(actor: Actor, draft_ids: list[int]) -> int:
    """Mark drafts still 'initiated' abandoned, with an audit row each; returns how many."""
    async with atomic():
        rows = await get_engine().fetch(
            "UPDATE draft SET upload_state = 'abandoned' WHERE id = ANY($1::int[]) AND upload_state = 'initiated' "
            "RETURNING id, brand",
            draft_ids,
        )
        for row in rows:
            await write_audit_row(
                actor,
                "draft.abandoned",
                "draft",
                int(row["id"]),
                brand_id=int(row["brand"]),
                before={"upload_state": "initiated"},
                after={"upload_state": "abandoned"},
            )
    return len(rows)


async def abort_abandoned_uploads(storage: Storage, older_than: dt.timedelta = ABANDON_AFTER) -> int:
    """Abort multipart uploads started before the cutoff and mark their drafts abandoned; returns how many drafts."""
    cutoff = dt.datetime.now(dt.UTC) - older_than
    for pending in await storage.list_multipart_uploads(started_before=cutoff):
        try:
            await storage.abort_multipart_upload(pending.key, pending.upload_id)
        except StorageError as exc:
            log.warning("could not abort an abandoned upload: %s", exc)
    # Drafts whose upload never started in storage (a crash after the first commit) are given up too.
    rows = await get_engine().fetch(f"{_STORED} WHERE upload_state = 'initiated' AND created_at < $1", cutoff)
    stale = [_stored(row) for row in rows]
    for draft in stale:
        if draft.upload_id:
            try:
                await storage.abort_multipart_upload(draft.storage_key, draft.upload_id)
            except StorageError as exc:
                log.warning("could not abort an abandoned upload: %s", exc)
    return await abandon_drafts(system_actor("abort_abandoned_uploads"), [draft.id for draft in stale])
