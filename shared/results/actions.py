"""A person verifies a live post by hand: where Rapport can't read the platform, the account must be reconnected,
the platform did not answer, or a reviewer judged a mismatch acceptable. Audited, and the creator is told."""

from __future__ import annotations

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.content.review_rules import DECIDERS
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.notifications.actions import Recipient, notify
from shared.results.rules import MANUALLY_VERIFIABLE, STATE_LABELS, platform_label
from shared.results.verification import lock_deliverable, verify_deliverable_when_all_posts_are

NOTE_MAX = 1000


def can_verify_posts(staff: StaffContext, brand_id: int) -> bool:
    """Those who decide on drafts (owners, managers, reviewers) verify live posts by hand."""
    return staff.role_at(brand_id) in DECIDERS


async def do_verify_post(actor: Actor, staff: StaffContext, brand_id: int, live_post_id: int, *, note: str) -> None:
    if not can_verify_posts(staff, brand_id):
        raise PermissionDenied("Only owners, managers and reviewers verify live posts.")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput({"note": f"Keep the note under {NOTE_MAX} characters."})
    engine = get_engine()
    async with atomic():
        # The deliverable first (as the checks do), so two of its posts verified at once see each other.
        of = await engine.fetch(
            "SELECT deliverable FROM live_post WHERE id = $1 AND brand = $2", live_post_id, brand_id
        )
        if not of:
            raise NotFound("No such live post.")
        await lock_deliverable(int(of[0]["deliverable"]))
        rows = await engine.fetch(
            "SELECT lp.*, d.status AS deliverable_status, d.title, d.kind, cr.email AS creator_email "
            "FROM live_post lp JOIN deliverable d ON d.id = lp.deliverable JOIN creator cr ON cr.id = lp.creator "
            "WHERE lp.id = $1 AND lp.brand = $2 FOR UPDATE OF lp",
            live_post_id,
            brand_id,
        )
        if not rows:
            raise NotFound("No such live post.")
        post = rows[0]
        if post["state"] not in MANUALLY_VERIFIABLE:
            raise IllegalTransition(f"This post is already {STATE_LABELS.get(post['state'], post['state']).lower()}.")
        if post["state"] == "mismatch" and not note:
            raise InvalidInput({"note": "Say why the post is fine although it doesn't match (both sides read it)."})
        await engine.fetch(
            "UPDATE live_post SET state = 'verified', verified_by = $2, verified_at = now(), verified_note = $3 "
            "WHERE id = $1",
            live_post_id,
            staff.id,
            note,
        )
        await verify_deliverable_when_all_posts_are(int(post["deliverable"]))
        what = post["title"] or f"{post['kind']} on {platform_label(post['platform'])}"
        await notify(
            Recipient("creator", int(post["creator"]), post["creator_email"] or ""),
            kind="live_post.verified",
            title=f"Your post of “{what}” is verified",
            body=f"{staff.name} checked it on {platform_label(post['platform'])}." + (f" “{note}”" if note else ""),
            link=f"/work/{post['deliverable']}",
            event_key=f"live_post.verified:{live_post_id}",
            brand_id=brand_id,
        )
        await write_audit_row(
            actor,
            "live_post.verified_by_hand",
            "live_post",
            live_post_id,
            brand_id=brand_id,
            before={"state": post["state"], "problems": jsonb(post["problems"]) or []},
            after={"state": "verified", "note": note},
        )
