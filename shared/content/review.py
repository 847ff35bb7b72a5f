"""Reviewing drafts: comments (at a moment of the video; internal or shared with the creator), the brand's
decision on a draft, and approving many images at once.

A decision locks the deliverable row (SELECT … FOR UPDATE) before reading the draft, so two reviewers
deciding at the same moment cannot both win: the second one sees the first one's decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions import BrandSide, CreatorSide, staff_recipients
from shared.collaborations.rules import deliverable_due_on
from shared.content.actions import creator_deliverable_link
from shared.content.review_queries import final_verdict_of, staff_review_link
from shared.content.review_rules import (
    BULK_MAX,
    approval_refused,
    bulk_refusal,
    can_decide,
    check_at_ms,
    clean_comment,
    decision_label,
    decision_verb,
    format_at,
    note_needed,
    parse_decision,
)
from shared.content.rules import ReviewDecision, next_deliverable_status
from shared.crm.timeline import record_interaction
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import DomainError, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.messaging.rules import excerpt
from shared.notifications.actions import Recipient, notify
from shared.payments.actions.milestones import record_milestone_when_all_deliverables
from shared.rights.actions import record_grant
from shared.rights.rules import today_utc

# The draft with everything a comment or a decision mentions. FOR SHARE keeps the draft from being decided
# or moved while a comment is written, without blocking other comments.
_DRAFT = """
SELECT d.id, d.brand, d.creator, d.deliverable, d.version, d.submitted_at, d.decision, d.content_type,
       d.disclosure_result, d.disclosure_findings, d.disclosure_confirmed, d.decided_by,
       dl.status AS deliverable_status, dl.kind, dl.title, dl.draft_due, dl.live_due, dl.collaboration,
       co.created_by, b.slug AS brand_slug, b.name AS brand_name, k.name AS campaign_name,
       cr.display_name AS creator_name, cr.email AS creator_email,
       (SELECT max(x.version) FROM draft x WHERE x.deliverable = d.deliverable AND x.submitted_at IS NOT NULL)
           AS latest_version
FROM draft d
JOIN deliverable dl ON dl.id = d.deliverable
JOIN collaboration co ON co.id = dl.collaboration
JOIN brand b ON b.id = d.brand
JOIN campaign k ON k.id = dl.campaign
JOIN creator cr ON cr.id = d.creator
WHERE d.id = $1
"""


def _side_owns(row: Mapping[str, Any] | None, side: BrandSide | CreatorSide) -> bool:
    if row is None or row["submitted_at"] is None:
        return False  # a draft not sent for review is nobody's business but its uploader's
    if isinstance(side, BrandSide):
        return int(row["brand"]) == side.brand_id
    return int(row["creator"]) == side.creator_id


async def _brand_people(row: Mapping[str, Any]) -> list[Recipient]:
    """Who hears from the creator about a draft: the deal's people (staff_recipients) and whoever decided it."""
    recipients = await staff_recipients(int(row["brand"]), int(row["creator"]), row["created_by"])
    if row["decided_by"] is not None and all(r.id != row["decided_by"] for r in recipients):
        deciders = await get_engine().fetch(
            """
            SELECT s.id, s.email FROM staff_user s JOIN membership m ON m.staff = s.id AND m.brand = $2
            WHERE s.id = $1 AND s.is_active
            """,
            row["decided_by"],
            row["brand"],
        )
        recipients += [Recipient("staff", int(r["id"]), r["email"]) for r in deciders]
    return recipients


async def do_add_comment(
    actor: Actor,
    side: BrandSide | CreatorSide,
    draft_id: int,
    *,
    body: str,
    at_ms: int | None,
    shared: bool,
) -> int:
    """Comment on a submitted draft, optionally at a moment of the video. Owners, managers and reviewers comment
    for the brand, internally or shared with the creator; the creator answers with shared comments on their own
    drafts. A shared comment notifies the other side. Returns the comment id."""
    if isinstance(side, BrandSide) and not can_decide(side.staff.role_at(side.brand_id)):
        raise PermissionDenied("Only owners, managers and reviewers comment on drafts; you can read them.")
    if isinstance(side, CreatorSide) and not shared:
        raise PermissionDenied("Your comments are always shared with the brand.")
    cleaned, error = clean_comment(body)
    errors = {"body": error} if error else {}
    if at_error := check_at_ms(at_ms):
        errors["at_ms"] = at_error
    if errors:
        raise InvalidInput(errors)
    async with atomic():
        rows = await get_engine().fetch(_DRAFT + " FOR SHARE OF d", draft_id)
        row = rows[0] if rows else None
        if not _side_owns(row, side):
            raise NotFound("No such draft.")
        assert row is not None
        staff_side = isinstance(side, BrandSide)
        label = side.staff.name if isinstance(side, BrandSide) else str(row["creator_name"])
        inserted = await get_engine().fetch(
            """
            INSERT INTO draft_comment (draft, author_kind, author_id, author_label, body, at_ms, shared, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, now()) RETURNING id
            """,
            draft_id,
            "staff" if staff_side else "creator",
            side.staff.id if isinstance(side, BrandSide) else side.creator_id,
            label[:320],
            cleaned,
            at_ms,
            shared,
        )
        comment_id = int(inserted[0]["id"])
        if shared:
            await _tell_about_comment(row, side, label, cleaned, at_ms, comment_id)
        # The body stays out of the audit log, as with messages: it lives with the draft.
        await write_audit_row(
            actor,
            "draft.commented",
            "draft",
            draft_id,
            brand_id=int(row["brand"]),
            after={"comment": comment_id, "shared": shared, "at_ms": at_ms, "length": len(cleaned)},
        )
    return comment_id


async def _tell_about_comment(
    row: Mapping[str, Any], side: BrandSide | CreatorSide, label: str, body: str, at_ms: int | None, comment_id: int
) -> None:
    moment = f" at {format_at(at_ms)}" if at_ms is not None else ""
    what = f"“{row['title'] or row['kind']}” (version {row['version']}) for {row['campaign_name']}"
    if isinstance(side, BrandSide):
        await notify(
            Recipient("creator", int(row["creator"]), row["creator_email"] or ""),
            kind="draft.comment",
            title=f"{row['brand_name']} commented on your draft: {excerpt(body, 80)}",
            body=f"{label} ({row['brand_name']}) commented{moment} on {what}:\n\n{body}",
            link=creator_deliverable_link(int(row["deliverable"])),
            event_key=f"draft.comment:{comment_id}",
            brand_id=int(row["brand"]),
        )
        return
    for recipient in await _brand_people(row):
        await notify(
            recipient,
            kind="draft.comment",
            title=f"{label} commented on their draft: {excerpt(body, 80)}",
            body=f"{label} commented{moment} on {what}:\n\n{body}",
            link=staff_review_link(str(row["brand_slug"]), int(row["id"])),
            event_key=f"draft.comment:{comment_id}",
            brand_id=int(row["brand"]),
        )


def _verdict(row: Mapping[str, Any]) -> str:
    return final_verdict_of(row)


async def _decide_locked(
    actor: Actor,
    staff: StaffContext,
    brand_id: int,
    draft_id: int,
    decision: ReviewDecision,
    note: str,
    *,
    images_only: bool = False,
) -> None:
    """The decision itself, inside the caller's transaction."""
    # Lock the deliverable first, then read the draft: a second reviewer waits here and reads the first one's
    # decision afterwards (a join inside the locking statement could hand it the draft as it was before).
    locked = await get_engine().fetch(
        """
        SELECT dl.id FROM deliverable dl JOIN draft d ON d.deliverable = dl.id
        WHERE d.id = $1 AND d.brand = $2 FOR UPDATE OF dl
        """,
        draft_id,
        brand_id,
    )
    rows = await get_engine().fetch(_DRAFT, draft_id) if locked else []
    row = rows[0] if rows else None
    if not _side_owns(row, BrandSide(staff, brand_id)):
        raise NotFound("No such draft.")
    assert row is not None
    verdict = _verdict(row)
    if row["decision"]:
        raise IllegalTransition(f"This draft was already decided: {decision_label(row['decision']).lower()}.")
    if int(row["version"]) != int(row["latest_version"] or 0):
        raise IllegalTransition("A newer version of this draft was sent; review that one.")
    bulk_why = bulk_refusal(content_type=row["content_type"], verdict=verdict, decided=False, latest=True)
    if images_only and bulk_why:
        raise IllegalTransition(f"Not approved in bulk: {bulk_why}.")
    if refused := approval_refused(decision, verdict):
        raise IllegalTransition(refused)
    new_status = next_deliverable_status(str(row["deliverable_status"]), decision_verb(decision))
    if not note:
        shared_comment = await get_engine().fetch(
            "SELECT 1 FROM draft_comment WHERE draft = $1 AND shared AND author_kind = 'staff' LIMIT 1", draft_id
        )
        if why := note_needed(decision, has_shared_comment=bool(shared_comment)):
            raise InvalidInput({"note": why})
    comment_id = None
    if note:
        # The note is what the creator reads next to the decision: a shared comment, not a private field.
        inserted = await get_engine().fetch(
            """
            INSERT INTO draft_comment (draft, author_kind, author_id, author_label, body, at_ms, shared, created_at)
            VALUES ($1, 'staff', $2, $3, $4, NULL, true, now()) RETURNING id
            """,
            draft_id,
            staff.id,
            staff.name[:320],
            note,
        )
        comment_id = int(inserted[0]["id"])
    updated = await get_engine().fetch(
        "UPDATE draft SET decision = $2, decided_by = $3, decided_at = now() WHERE id = $1 AND decision = '' "
        "RETURNING id",
        draft_id,
        decision,
        staff.id,
    )
    if not updated:  # unreachable while the deliverable lock holds; never decide twice regardless
        raise IllegalTransition("This draft was already decided.")
    await get_engine().fetch(
        "UPDATE deliverable SET status = $2, due_on = $3, updated_at = now() WHERE id = $1",
        row["deliverable"],
        new_status,
        deliverable_due_on(row["draft_due"], row["live_due"], new_status),
    )
    if new_status == "approved":
        # The approval milestone: reached when the last deliverable's draft is approved, in this transaction.
        await record_milestone_when_all_deliverables(actor, int(row["collaboration"]), "approval")
        # The deal's usage rights now cover this content, from its planned go-live.
        planned = row["live_due"] if row["live_due"] and row["live_due"] > today_utc() else today_utc()
        await record_grant(actor, int(row["deliverable"]), source="approval", go_live=planned)
    words = decision_label(decision).lower()
    what = f"“{row['title'] or row['kind']}” version {row['version']} for {row['campaign_name']}"
    await record_interaction(
        brand_id,
        int(row["creator"]),
        kind=f"draft.{decision}",
        summary=f"{staff.name} {words}: {what}" + (f" — {excerpt(note)}" if note else ""),
        link=staff_review_link(str(row["brand_slug"]), draft_id),
        actor_label=staff.name,
    )
    next_step = (
        "Send a new version with the changes."
        if decision == "changes_requested"
        else "You can publish it and send the live link."
    )
    await notify(
        Recipient("creator", int(row["creator"]), row["creator_email"] or ""),
        kind=f"draft.{decision}",
        title=f"{row['brand_name']}: {decision_label(decision)} — {row['title'] or row['kind']}",
        body=f"{staff.name} ({row['brand_name']}) {words} {what}."
        + (f"\n\n{note}" if note else "")
        + f"\n\n{next_step}",
        link=creator_deliverable_link(int(row["deliverable"])),
        event_key=f"draft.decision:{draft_id}",
        brand_id=brand_id,
    )
    await write_audit_row(
        actor,
        f"draft.{decision}",
        "draft",
        draft_id,
        brand_id=brand_id,
        before={"deliverable_status": row["deliverable_status"], "decision": ""},
        after={
            "deliverable": int(row["deliverable"]),
            "deliverable_status": new_status,
            "decision": decision,
            "verdict": verdict,
            "note_comment": comment_id,
        },
    )


async def check_decide(
    actor: Actor, staff: StaffContext, brand_id: int, draft_id: int, *, decision: str, note: str
) -> ReviewDecision:
    """Owners, managers and reviewers approve, approve with notes, or request changes on the deliverable's newest
    draft (once). Changes and notes need a shared comment — the note becomes one; a draft whose disclosure check
    blocks it can't be approved. The deliverable moves on and the creator is notified."""
    if not can_decide(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners, managers and reviewers decide on drafts; you can look at them.")
    chosen = parse_decision(decision)
    if chosen is None:
        raise InvalidInput({"decision": "Choose approve, approve with notes, or request changes."})
    cleaned = note.strip()
    if cleaned:
        cleaned, error = clean_comment(cleaned)
        if error:
            raise InvalidInput({"note": error})
    async with atomic():
        await _decide_locked(actor, staff, brand_id, draft_id, chosen, cleaned)
    return chosen


@dataclass(frozen=True)
class BulkOutcome:
    draft_id: int
    approved: bool
    reason: str = ""  # why it was left out


async def check_bulk_approve(
    actor: Actor, staff: StaffContext, brand_id: int, draft_ids: Sequence[int]
) -> list[BulkOutcome]:
    """Approve many image drafts at once (videos are watched one by one; blocked drafts need changes). Each draft
    is decided in its own transaction, so one refusal leaves the others approved; the outcome says what happened."""
    if not can_decide(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners, managers and reviewers decide on drafts; you can look at them.")
    chosen = list(dict.fromkeys(draft_ids))
    if not chosen:
        raise InvalidInput({"draft": "Tick the images to approve first."})
    if len(chosen) > BULK_MAX:
        raise InvalidInput({"draft": f"Approve at most {BULK_MAX} images at once."})
    outcomes = []
    for draft_id in chosen:
        try:
            async with atomic():
                await _decide_locked(actor, staff, brand_id, draft_id, "approved", "", images_only=True)
        except NotFound:
            outcomes.append(BulkOutcome(draft_id, False, "not found"))
        except IllegalTransition as exc:
            outcomes.append(BulkOutcome(draft_id, False, str(exc)))
        except DomainError as exc:
            outcomes.append(BulkOutcome(draft_id, False, str(exc)))
        else:
            outcomes.append(BulkOutcome(draft_id, True))
    return outcomes
