"""Sending a draft for review, and going live with the posts' URLs."""

from __future__ import annotations

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions import staff_recipients
from shared.collaborations.rules import Terms
from shared.content.actions.captions import _editable
from shared.content.actions.rows import _deliverable, _draft, staff_draft_link
from shared.content.disclosure import DisclosureResult, final_verdict
from shared.content.rules import check_live_urls, next_deliverable_status, rounds
from shared.crm.timeline import record_interaction
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput
from shared.notifications.actions import notify
from shared.payments.actions.milestones import record_milestone_when_all_deliverables
from shared.results.golive import open_live_posts
from shared.rights.actions import record_grant
from shared.rights.rules import today_utc

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
        # The go-live milestone: reached when the last deliverable's live URL is accepted, in this transaction.
        await record_milestone_when_all_deliverables(actor, int(row["collaboration"]), "go_live")
        # The usage rights' window runs from the day the post actually went live.
        await record_grant(actor, deliverable_id, source="go_live", go_live=today_utc())
        # The platform is asked about every live link by a job, after the commit (shared.results).
        await open_live_posts(row, cleaned)
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
