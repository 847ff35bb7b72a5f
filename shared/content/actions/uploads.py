"""Uploading a draft straight to storage: starting, signing parts, completing and verifying, giving up.

Storage calls are never made inside a transaction. Starting asks storage first and then writes the draft (a
store that can't be reached leaves nothing behind); completing records the result in a short transaction after
storage answered. A crash in between leaves an 'initiated' draft or an upload without one, which the hourly job
aborts (and marks abandoned) (shared.content.upkeep)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.content.actions.captions import _clean_caption, check_disclosure
from shared.content.actions.rows import _deliverable, _draft
from shared.content.disclosure import DisclosureResult
from shared.content.rules import (
    check_declared_file,
    describe_type,
    media_limits,
    mislabeled_reason,
    same_media,
    sniff_content_type,
    storage_key,
)
from shared.content.tasks import compute_draft_sha256
from shared.content.upkeep import abandon_drafts
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic, on_commit
from shared.errors import IllegalTransition, InvalidInput
from shared.integrations.storage import MAX_PARTS, Storage, StorageError, StorageUnavailable, UploadedPart

log = logging.getLogger(__name__)


OPEN_FOR_DRAFTS = ("pending", "changes_requested")
_GONE = "This upload is no longer in storage (it was given up); start a new one."


@dataclass(frozen=True)
class StartedUpload:
    draft_id: int
    version: int
    key: str
    upload_id: str


@dataclass(frozen=True)
class VerifiedDraft:
    draft_id: int
    version: int
    size: int
    content_type: str
    disclosure: DisclosureResult


def _check_part_number(part_number: int) -> None:
    if not 1 <= part_number <= MAX_PARTS:
        raise InvalidInput({"part": f"Part numbers run from 1 to {MAX_PARTS}."})


# --- uploading -------------------------------------------------------------------------------------


async def check_start_upload(
    actor: Actor,
    creator_id: int,
    deliverable_id: int,
    *,
    filename: str,
    content_type: str,
    size: int,
    storage: Storage,
) -> StartedUpload:
    """Start a new version of a deliverable's draft: the file must fit the deliverable; the key is ours.

    Storage is asked first, under a draft id taken from the sequence, and the draft is written only once it
    answered: a store that can't be reached (StorageUnavailable, a 503) leaves no row behind. An upload started
    in storage whose draft is then refused is aborted (or, after a crash, by the hourly job)."""
    filename = filename.strip()[:255] or "upload"
    _check_open_for(await _deliverable(creator_id, deliverable_id), filename, content_type, size)
    [reserved] = await get_engine().fetch("SELECT nextval(pg_get_serial_sequence('draft', 'id')) AS id")
    draft_id = int(reserved["id"])
    key = storage_key(creator_id=creator_id, deliverable_id=deliverable_id, draft_id=draft_id, filename=filename)
    try:
        upload_id = await storage.create_multipart_upload(key, content_type)
    except StorageUnavailable as exc:
        log.warning("could not start a multipart upload: %s", exc)
        raise
    except StorageError as exc:
        log.error("the store refused to start a multipart upload: %s", exc)
        raise InvalidInput({"file": "The file store refused the upload. Try again in a minute."}) from None
    try:
        async with atomic():
            row = await _deliverable(creator_id, deliverable_id, lock=True)
            _check_open_for(row, filename, content_type, size)  # again: it may have changed meanwhile
            versions = await get_engine().fetch(
                "SELECT COALESCE(max(version), 0) + 1 AS next FROM draft WHERE deliverable = $1", deliverable_id
            )
            version = int(versions[0]["next"])
            await get_engine().fetch(
                "INSERT INTO draft (id, deliverable, brand, creator, version, storage_key, filename, content_type, "
                "declared_size, upload_state, upload_id, created_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'initiated', $10, now())",
                draft_id,
                deliverable_id,
                row["brand"],
                creator_id,
                version,
                key,
                filename,
                content_type,
                size,
                upload_id,
            )
            await write_audit_row(
                actor,
                "draft.upload_started",
                "draft",
                draft_id,
                brand_id=int(row["brand"]),
                after={"deliverable": deliverable_id, "version": version, "content_type": content_type, "size": size},
            )
    except Exception:
        try:
            await storage.abort_multipart_upload(key, upload_id)
        except StorageError as exc:
            log.info("abort of an upload whose draft was refused failed; the hourly job retries: %s", exc)
        raise
    return StartedUpload(draft_id=draft_id, version=version, key=key, upload_id=upload_id)


def _check_open_for(row: dict[str, Any], filename: str, content_type: str, size: int) -> None:
    if row["status"] not in OPEN_FOR_DRAFTS:
        raise IllegalTransition(
            "This deliverable is not waiting for a draft: "
            + ("one is being reviewed." if row["status"] == "draft_submitted" else "it is already approved.")
        )
    reason = check_declared_file(row["kind"], filename=filename, content_type=content_type, size=size)
    if reason:
        raise InvalidInput({"file": reason})


async def _uploading(creator_id: int, draft_id: int) -> dict[str, Any]:
    draft = await _draft(creator_id, draft_id)
    if draft["upload_state"] != "initiated" or not draft["upload_id"]:
        raise IllegalTransition("This upload is finished or was given up; start a new one.")
    return draft


async def sign_part(creator_id: int, draft_id: int, part_number: int, *, storage: Storage) -> str:
    """A short-lived URL for one part of the creator's own upload in progress."""
    _check_part_number(part_number)
    draft = await _uploading(creator_id, draft_id)
    try:
        return await storage.sign_upload_part(draft["storage_key"], draft["upload_id"], part_number)
    except StorageError as exc:
        raise IllegalTransition(_GONE) from exc


async def list_uploaded_parts(creator_id: int, draft_id: int, *, storage: Storage) -> list[UploadedPart]:
    """The parts storage already has, so a resumed upload sends only the rest."""
    draft = await _uploading(creator_id, draft_id)
    try:
        return await storage.list_parts(draft["storage_key"], draft["upload_id"])
    except StorageError as exc:
        raise IllegalTransition(_GONE) from exc


async def _reject(
    actor: Actor, draft_id: int, reason: str, *, delete_key: str | None, storage: Storage | None = None
) -> None:
    """Delete what was stored (outside any transaction), then mark the draft rejected with the reason."""
    if delete_key and storage is not None:
        try:
            await storage.delete(delete_key)
        except StorageError as exc:  # the object stays unreachable: no draft points to it as verified
            log.warning("could not delete a rejected upload: %s", exc)
    async with atomic():
        rows = await get_engine().fetch(
            "UPDATE draft SET upload_state = 'rejected', rejection_reason = $2 WHERE id = $1 "
            "RETURNING brand, upload_state",
            draft_id,
            reason,
        )
        await write_audit_row(
            actor,
            "draft.rejected",
            "draft",
            draft_id,
            brand_id=int(rows[0]["brand"]),
            before={"upload_state": "initiated"},
            after={"upload_state": "rejected", "reason": reason},
        )


async def _verify(draft: dict[str, Any], storage: Storage) -> tuple[str | None, int, str]:
    """Why the stored object can't be accepted (None when it can), its size and checksum."""
    key, declared = draft["storage_key"], draft["content_type"]
    info = await storage.head(key)
    if info is None:
        return "The file never arrived in storage. Upload it again.", 0, ""
    limits = media_limits(draft["kind"])
    if info.size != draft["declared_size"]:
        return (
            f"The file that arrived is {info.size:,} bytes, not the {draft['declared_size']:,} it said; "
            "the upload was cut short or changed. Upload it again.",
            info.size,
            "",
        )
    if info.size > limits.max_bytes:
        return f"This file is larger than this deliverable takes: {limits.describe()}.", info.size, ""
    if info.content_type.split(";")[0].strip() != declared or declared not in limits.content_types:
        arrived = describe_type(info.content_type)
        return f"This deliverable takes {limits.describe()}; the file arrived as {arrived}.", 0, ""
    sniffed = sniff_content_type(await storage.read_head_bytes(key))
    if not same_media(declared, sniffed):
        return mislabeled_reason(declared, sniffed), info.size, ""
    return None, info.size, info.checksum


async def check_complete_upload(
    actor: Actor,
    creator_id: int,
    draft_id: int,
    *,
    parts: Sequence[UploadedPart],
    caption: str,
    storage: Storage,
) -> VerifiedDraft:
    """Put the parts together and accept the file only if it is what was declared and allowed.

    A file that fails is deleted and the draft is rejected with the reason (InvalidInput carries it).
    Completing an already verified draft again answers the same (the browser may retry)."""
    caption = _clean_caption(caption)
    draft = await _draft(creator_id, draft_id)
    if draft["upload_state"] == "verified":
        return VerifiedDraft(
            draft_id,
            int(draft["version"]),
            int(draft["size"] or 0),
            draft["content_type"],
            DisclosureResult.from_json(jsonb(draft["disclosure_findings"])),
        )
    if draft["upload_state"] == "rejected":
        raise InvalidInput({"file": draft["rejection_reason"]})
    if draft["upload_state"] != "initiated" or not draft["upload_id"]:
        raise IllegalTransition("This upload was given up; start a new one.")
    for part in parts:
        _check_part_number(part.number)
    key = draft["storage_key"]
    try:
        # The browser's list is what it sent; when it has none (a resumed page), storage's list is the truth.
        chosen = sorted(parts or await storage.list_parts(key, draft["upload_id"]), key=lambda p: p.number)
        if not chosen:
            raise StorageError("no parts")
        await storage.complete_multipart_upload(key, draft["upload_id"], list(chosen))
    except StorageUnavailable as exc:
        # The store said nothing: the parts may all be there. The draft stays 'initiated'; the browser may retry.
        log.warning("could not complete an upload: %s", exc)
        raise
    except StorageError as exc:
        log.info("completing an upload failed: %s", exc)
        try:
            await storage.abort_multipart_upload(key, draft["upload_id"])
        except StorageError:
            log.info("abort after a failed completion failed too; the hourly job retries")
        failed = "The upload could not be put together (some parts are missing). Upload the file again."
        await _reject(actor, draft_id, failed, delete_key=key, storage=storage)
        raise InvalidInput({"file": failed}) from None
    reason, size, checksum = await _verify(draft, storage)
    if reason:
        await _reject(actor, draft_id, reason, delete_key=key, storage=storage)
        raise InvalidInput({"file": reason})
    result = await check_disclosure(int(draft["deliverable"]), caption, draft["content_type"])
    async with atomic():
        locked = await _draft(creator_id, draft_id, lock=True)
        if locked["upload_state"] != "initiated":
            raise IllegalTransition("This upload was given up meanwhile; start a new one.")
        await get_engine().fetch(
            "UPDATE draft SET upload_state = 'verified', size = $2, checksum = $3, uploaded_at = now(), caption = $4, "
            "disclosure_result = $5, disclosure_findings = $6::jsonb WHERE id = $1",
            draft_id,
            size,
            checksum[:200],
            caption,
            result.verdict,
            json.dumps(result.to_json()),
        )
        await write_audit_row(
            actor,
            "draft.uploaded",
            "draft",
            draft_id,
            brand_id=int(draft["brand"]),
            before={"upload_state": "initiated"},
            after={"upload_state": "verified", "size": size, "checksum": checksum, "disclosure": result.verdict},
        )
        on_commit(lambda: _defer_sha256(draft_id))
    return VerifiedDraft(draft_id, int(draft["version"]), size, draft["content_type"], result)


async def _defer_sha256(draft_id: int) -> None:
    try:
        await compute_draft_sha256.defer_async(draft_id=draft_id)
    except Exception as exc:  # noqa: BLE001 the draft is verified; its digest is a record, filled in later
        log.info("sha256 job not queued for draft %s: %s", draft_id, exc)


async def do_abort_upload(actor: Actor, creator_id: int, draft_id: int, *, storage: Storage) -> None:
    """The creator gives up an upload in progress: storage frees its parts and the draft is abandoned."""
    draft = await _draft(creator_id, draft_id)
    if draft["upload_state"] != "initiated":
        return  # already finished or given up: nothing to abort
    if draft["upload_id"]:
        await storage.abort_multipart_upload(draft["storage_key"], draft["upload_id"])
    await abandon_drafts(actor, [draft_id])
