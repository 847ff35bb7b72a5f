"""The creator's side of content: uploading drafts straight to storage, verifying them, the caption's
disclosure check, sending a draft for review, and going live.

Storage calls are never made inside a transaction: an action records its intent (the draft row), commits,
calls storage, then records the result in a second short transaction. A crash in between leaves an
'initiated' draft, which the hourly job aborts and marks abandoned.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor, system_actor
from shared.collaborations.actions import staff_recipients
from shared.collaborations.rules import AGREED, Terms
from shared.content.disclosure import DisclosurePolicySettings, DisclosureResult, check_caption, final_verdict
from shared.content.rules import (
    check_declared_file,
    check_live_urls,
    describe_type,
    media_limits,
    mislabeled_reason,
    next_deliverable_status,
    rounds,
    same_media,
    sniff_content_type,
    storage_key,
)
from shared.crm.timeline import record_interaction
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic, on_commit
from shared.errors import IllegalTransition, InvalidInput, NotFound
from shared.integrations.storage import MAX_PARTS, Storage, StorageError, UploadedPart
from shared.notifications.actions import notify

log = logging.getLogger(__name__)

CAPTION_MAX = 5000
# Uploads still 'initiated' this long after they started are given up (a phone may pause for hours;
# a day is generous and keeps the store from holding orphaned parts for long).
ABANDON_AFTER = dt.timedelta(hours=24)
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


def staff_draft_link(brand_slug: str, draft_id: int) -> str:
    return f"/backoffice/b/{brand_slug}/reviews/{draft_id}"


def creator_deliverable_link(deliverable_id: int) -> str:
    return f"/work/{deliverable_id}"


# --- reading the rows an action works on ---------------------------------------------------------

_DELIVERABLE = """
SELECT d.id, d.status, d.kind, d.platform, d.title, d.creator, d.brand, d.collaboration, d.draft_due, d.live_due,
       c.status AS collaboration_status, c.agreed_terms, c.created_by, c.brief_version,
       b.slug AS brand_slug, b.name AS brand_name, k.name AS campaign_name, cr.display_name AS creator_name
FROM deliverable d
JOIN collaboration c ON c.id = d.collaboration
JOIN brand b ON b.id = d.brand
JOIN campaign k ON k.id = d.campaign
JOIN creator cr ON cr.id = d.creator
WHERE d.id = $1
"""
_DELIVERABLE_LOCKED = _DELIVERABLE + " FOR UPDATE OF d"
_DRAFT = (
    "SELECT f.*, d.kind, d.platform, d.status AS deliverable_status FROM draft f "
    "JOIN deliverable d ON d.id = f.deliverable WHERE f.id = $1"
)
_DRAFT_LOCKED = _DRAFT + " FOR UPDATE OF f"


async def _deliverable(creator_id: int, deliverable_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The creator's deliverable of an agreed deal (locked when asked); NotFound for anyone else's."""
    rows = await get_engine().fetch(_DELIVERABLE_LOCKED if lock else _DELIVERABLE, deliverable_id)
    if not rows or rows[0]["creator"] != creator_id or rows[0]["collaboration_status"] not in AGREED:
        raise NotFound("No such deliverable.")
    row: dict[str, Any] = dict(rows[0])
    row["agreed_terms"] = jsonb(row["agreed_terms"]) or {}
    return row


async def _draft(creator_id: int, draft_id: int, *, lock: bool = False) -> dict[str, Any]:
    """The creator's draft, with its deliverable's kind and platform; NotFound for anyone else's."""
    rows = await get_engine().fetch(_DRAFT_LOCKED if lock else _DRAFT, draft_id)
    if not rows or rows[0]["creator"] != creator_id:
        raise NotFound("No such draft.")
    return dict(rows[0])


def _check_part_number(part_number: int) -> None:
    if not 1 <= part_number <= MAX_PARTS:
        raise InvalidInput({"part": f"Part numbers run from 1 to {MAX_PARTS}."})


# --- the disclosure check --------------------------------------------------------------------------


async def check_disclosure(deliverable_id: int, caption: str, content_type: str) -> DisclosureResult:
    """The caption against the platform's rules, the brand's policy and the brief the deal points to."""
    rows = await get_engine().fetch(
        "SELECT d.kind, d.platform, b.content AS brief, p.settings AS policy FROM deliverable d "
        "JOIN collaboration c ON c.id = d.collaboration "
        "LEFT JOIN brief_version b ON b.id = c.brief_version "
        "LEFT JOIN disclosure_policy p ON p.brand = d.brand WHERE d.id = $1",
        deliverable_id,
    )
    row = rows[0]
    brief = jsonb(row["brief"]) or {}
    return check_caption(
        caption,
        platform=row["platform"],
        kind=row["kind"],
        required_hashtags=brief.get("hashtags") or (),
        required_mentions=brief.get("mentions") or (),
        policy=DisclosurePolicySettings.from_json(jsonb(row["policy"])) if row["policy"] is not None else None,
        content_type=content_type,
    )


def _clean_caption(caption: str) -> str:
    caption = caption.replace("\r\n", "\n").strip()
    if len(caption) > CAPTION_MAX:
        raise InvalidInput({"caption": f"Keep the caption under {CAPTION_MAX} characters."})
    return caption


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
    """Start a new version of a deliverable's draft: the file must fit the deliverable; the key is ours."""
    filename = filename.strip()[:255] or "upload"
    async with atomic():
        row = await _deliverable(creator_id, deliverable_id, lock=True)
        if row["status"] not in OPEN_FOR_DRAFTS:
            raise IllegalTransition(
                "This deliverable is not waiting for a draft: "
                + ("one is being reviewed." if row["status"] == "draft_submitted" else "it is already approved.")
            )
        reason = check_declared_file(row["kind"], filename=filename, content_type=content_type, size=size)
        if reason:
            raise InvalidInput({"file": reason})
        versions = await get_engine().fetch(
            "SELECT COALESCE(max(version), 0) + 1 AS next FROM draft WHERE deliverable = $1", deliverable_id
        )
        version = int(versions[0]["next"])
        # The key names the draft id, which the insert gives us: a unique placeholder until then.
        inserted = await get_engine().fetch(
            "INSERT INTO draft (deliverable, brand, creator, version, storage_key, filename, content_type, "
            "declared_size, upload_state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'initiated', now()) "
            "RETURNING id",
            deliverable_id,
            row["brand"],
            creator_id,
            version,
            f"pending/{uuid.uuid4()}",
            filename,
            content_type,
            size,
        )
        draft_id = int(inserted[0]["id"])
        key = storage_key(creator_id=creator_id, deliverable_id=deliverable_id, draft_id=draft_id, filename=filename)
        await get_engine().fetch("UPDATE draft SET storage_key = $2 WHERE id = $1", draft_id, key)
        await write_audit_row(
            actor,
            "draft.upload_started",
            "draft",
            draft_id,
            brand_id=int(row["brand"]),
            after={"deliverable": deliverable_id, "version": version, "content_type": content_type, "size": size},
        )
    try:
        upload_id = await storage.create_multipart_upload(key, content_type)
    except StorageError as exc:
        log.warning("could not start a multipart upload: %s", exc)
        await _reject(actor, draft_id, "The file store did not answer. Try again in a minute.", delete_key=None)
        raise InvalidInput({"file": "The file store did not answer. Try again in a minute."}) from None
    async with atomic():
        await get_engine().fetch("UPDATE draft SET upload_id = $2 WHERE id = $1", draft_id, upload_id)
    return StartedUpload(draft_id=draft_id, version=version, key=key, upload_id=upload_id)


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
    from shared.jobs import compute_draft_sha256

    try:
        await compute_draft_sha256.defer_async(draft_id=draft_id)
    except Exception as exc:  # noqa: BLE001 the draft is verified; its digest is a record, filled in later
        log.info("sha256 job not queued for draft %s: %s", draft_id, exc)


async def do_record_sha256(draft_id: int, *, storage: Storage) -> str:
    """Read the verified file once, in chunks, and keep its SHA-256 (run by a job, never in a request)."""
    rows = await get_engine().fetch("SELECT storage_key, upload_state, sha256 FROM draft WHERE id = $1", draft_id)
    if not rows or rows[0]["upload_state"] != "verified":
        return ""
    if rows[0]["sha256"]:
        return str(rows[0]["sha256"])
    digest = await storage.sha256(rows[0]["storage_key"])
    async with atomic():
        await get_engine().fetch("UPDATE draft SET sha256 = $2 WHERE id = $1 AND sha256 = ''", draft_id, digest)
    return digest


async def do_abort_upload(actor: Actor, creator_id: int, draft_id: int, *, storage: Storage) -> None:
    """The creator gives up an upload in progress: storage frees its parts and the draft is abandoned."""
    draft = await _draft(creator_id, draft_id)
    if draft["upload_state"] != "initiated":
        return  # already finished or given up: nothing to abort
    if draft["upload_id"]:
        await storage.abort_multipart_upload(draft["storage_key"], draft["upload_id"])
    await _abandon(actor, [draft_id])


async def _abandon(actor: Actor, draft_ids: list[int]) -> int:
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
    stale = await get_engine().fetch(
        "SELECT id, storage_key, upload_id FROM draft WHERE upload_state = 'initiated' AND created_at < $1", cutoff
    )
    for row in stale:
        if row["upload_id"]:
            try:
                await storage.abort_multipart_upload(row["storage_key"], row["upload_id"])
            except StorageError as exc:
                log.warning("could not abort an abandoned upload: %s", exc)
    return await _abandon(system_actor("abort_abandoned_uploads"), [int(row["id"]) for row in stale])


# --- caption and disclosure ------------------------------------------------------------------------


async def _editable(creator_id: int, draft_id: int) -> dict[str, Any]:
    draft = await _draft(creator_id, draft_id, lock=True)
    if draft["upload_state"] != "verified" or draft["submitted_at"] is not None:
        raise IllegalTransition("This draft can't be changed: it was already sent for review or was not accepted.")
    return draft


async def do_update_caption(actor: Actor, creator_id: int, draft_id: int, *, caption: str) -> DisclosureResult:
    """Change a draft's caption before sending it; the disclosure check runs again."""
    caption = _clean_caption(caption)
    async with atomic():
        draft = await _editable(creator_id, draft_id)
        result = await check_disclosure(int(draft["deliverable"]), caption, draft["content_type"])
        await get_engine().fetch(
            "UPDATE draft SET caption = $2, disclosure_result = $3, disclosure_findings = $4::jsonb WHERE id = $1",
            draft_id,
            caption,
            result.verdict,
            json.dumps(result.to_json()),
        )
        await write_audit_row(
            actor,
            "draft.caption_changed",
            "draft",
            draft_id,
            brand_id=int(draft["brand"]),
            before={"disclosure": draft["disclosure_result"]},
            after={"disclosure": result.verdict},
        )
    return result


async def do_confirm_disclosure(actor: Actor, creator_id: int, draft_id: int, *, confirmed: bool) -> None:
    """The creator confirms the video shows and says the disclosure (video and stories)."""
    async with atomic():
        draft = await _editable(creator_id, draft_id)
        await get_engine().fetch("UPDATE draft SET disclosure_confirmed = $2 WHERE id = $1", draft_id, confirmed)
        await write_audit_row(
            actor,
            "draft.disclosure_confirmed",
            "draft",
            draft_id,
            brand_id=int(draft["brand"]),
            before={"confirmed": draft["disclosure_confirmed"]},
            after={"confirmed": confirmed},
        )


# --- sending for review and going live ---------------------------------------------------------------


async def check_submit_draft(actor: Actor, creator_id: int, draft_id: int) -> None:
    """Send a verified draft for review; a caption whose check blocks (or an unconfirmed video) can't be sent."""
    async with atomic():
        draft = await _draft(creator_id, draft_id)
        row = await _deliverable(creator_id, int(draft["deliverable"]), lock=True)
        draft = await _editable(creator_id, draft_id)
        latest = await get_engine().fetch(
            "SELECT max(version) AS v FROM draft WHERE deliverable = $1 AND upload_state = 'verified'", row["id"]
        )
        if int(latest[0]["v"]) != int(draft["version"]):
            raise IllegalTransition("A newer version of this draft exists; send that one.")
        result = DisclosureResult.from_json(jsonb(draft["disclosure_findings"]))
        if final_verdict(result, bool(draft["disclosure_confirmed"])) == "block":
            raise InvalidInput({"caption": "Fix what the disclosure check marks “Must fix” before sending this draft."})
        new_status = next_deliverable_status(row["status"], "submit_draft")
        terms = Terms.from_json(row["agreed_terms"])
        submitted = await get_engine().fetch(
            "SELECT count(*) AS n FROM draft WHERE deliverable = $1 AND submitted_at IS NOT NULL", row["id"]
        )
        round_ = rounds(int(submitted[0]["n"]) + 1, terms.revision_rounds)
        await get_engine().fetch(
            "UPDATE draft SET submitted_at = now(), review_due_at = now() + make_interval(days => $2) WHERE id = $1",
            draft_id,
            terms.review_days,
        )
        await get_engine().fetch(
            "UPDATE deliverable SET status = $2, updated_at = now() WHERE id = $1", row["id"], new_status
        )
        what = row["title"] or f"{row['kind']} on {row['platform']}"
        flag = " — beyond the agreed rounds" if round_.beyond_agreement else ""
        summary = f"Draft {draft['version']} of “{what}” sent for review ({round_.label()}{flag})"
        await record_interaction(
            int(row["brand"]),
            creator_id,
            kind="draft.submitted",
            summary=summary,
            link=staff_draft_link(row["brand_slug"], draft_id),
            actor_label=str(row["creator_name"]),
        )
        for recipient in await staff_recipients(int(row["brand"]), creator_id, row["created_by"]):
            await notify(
                recipient,
                kind="draft.submitted",
                title=f"Draft {draft['version']} of “{what}” from {row['creator_name']} — {round_.label()}{flag}",
                body=f"{row['campaign_name']}: review it within {terms.review_days} days, as agreed.",
                link=staff_draft_link(row["brand_slug"], draft_id),
                event_key=f"draft.submitted:{draft_id}",
                brand_id=int(row["brand"]),
            )
        await write_audit_row(
            actor,
            "draft.submitted",
            "draft",
            draft_id,
            brand_id=int(row["brand"]),
            before={"deliverable_status": row["status"]},
            after={
                "deliverable_status": new_status,
                "round": round_.current,
                "beyond_agreement": round_.beyond_agreement,
                "disclosure": result.verdict,
            },
        )


async def check_submit_live(actor: Actor, creator_id: int, deliverable_id: int, *, urls: list[str]) -> list[str]:
    """The approved content is posted: its URL(s) must be on the deliverable's platform; it becomes live."""
    async with atomic():
        row = await _deliverable(creator_id, deliverable_id, lock=True)
        new_status = next_deliverable_status(row["status"], "go_live")
        cleaned, error = check_live_urls(row["platform"], urls)
        if error:
            raise InvalidInput({"urls": error})
        await get_engine().fetch(
            "UPDATE deliverable SET status = $2, live_urls = $3::varchar[], live_url = $4, live_at = now(), "
            "due_on = NULL, updated_at = now() WHERE id = $1",
            deliverable_id,
            new_status,
            cleaned,
            cleaned[0],
        )
        what = row["title"] or f"{row['kind']} on {row['platform']}"
        await record_interaction(
            int(row["brand"]),
            creator_id,
            kind="deliverable.live",
            summary=f"“{what}” is live: {cleaned[0]}",
            link=cleaned[0],
            actor_label=str(row["creator_name"]),
        )
        for recipient in await staff_recipients(int(row["brand"]), creator_id, row["created_by"]):
            await notify(
                recipient,
                kind="deliverable.live",
                title=f"{row['creator_name']} posted “{what}”",
                body=f"{row['campaign_name']}: " + " ".join(cleaned),
                link=f"/backoffice/b/{row['brand_slug']}/deliverables",
                event_key=f"deliverable.live:{deliverable_id}",
                brand_id=int(row["brand"]),
            )
        await write_audit_row(
            actor,
            "deliverable.live",
            "deliverable",
            deliverable_id,
            brand_id=int(row["brand"]),
            before={"status": row["status"]},
            after={"status": new_status, "urls": cleaned},
        )
    return cleaned
