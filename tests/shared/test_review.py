"""Review actions: comments, decisions (who may, what they need, a block can't be approved, one decision per
draft even when two reviewers click at once) and bulk approval of images."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest

from shared.audit.context import system_actor
from shared.collaborations.actions import BrandSide, CreatorSide
from shared.content.review import check_bulk_approve, check_decide, do_add_comment
from shared.content.review_queries import get_review, list_review_queue, list_shared_feedback
from shared.content.review_rules import (
    approval_refused,
    bulk_refusal,
    can_decide,
    due_in_words,
    format_at,
    is_review_overdue,
    note_needed,
    parse_at_ms,
)
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.tables import AuditLog, Deliverable, Draft, DraftComment, Notification, RelationshipEvent
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.actions import do_create_staff_user, do_grant_membership
from shared.identity.queries import StaffContext, get_staff_context
from shared.identity.rules import Role
from shared.integrations.storage_local import LocalStorage
from tests.conftest import Cast
from tests.review_helpers import POST, REEL, STORY, VIDEO, acme_deliverables, submitted_draft

ACTOR = system_actor("test")


async def _rita(cast: Cast) -> StaffContext:
    """Rita, a reviewer at Acme."""
    rita = await do_create_staff_user(ACTOR, email="rita@acme.test", name="Rita Reviewer", password=None)
    await do_grant_membership(ACTOR, staff_id=int(rita.id), brand_id=cast.acme_id, role=Role.REVIEWER)
    return await get_staff_context(int(rita.id))


async def _status(deliverable_id: int) -> str:
    row = await Deliverable.select(Deliverable.status).where(Deliverable.id == deliverable_id).first()
    assert row is not None
    return str(row["status"])


async def _draft(draft_id: int) -> dict[str, object]:
    row = await Draft.select().where(Draft.id == draft_id).first()
    assert row is not None
    return row


@pytest.fixture
async def reel(cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage) -> tuple[int, int]:
    """(deliverable, draft): Alice's reel, sent for review."""
    deliverables = await acme_deliverables(cast)
    draft_id = await submitted_draft(client, local_storage, cast.alice_id, deliverables[REEL])
    return deliverables[REEL], draft_id


async def test_it_approves_a_draft_and_tells_the_creator(cast: Cast, reel: tuple[int, int]) -> None:
    deliverable_id, draft_id = reel
    rita = await _rita(cast)
    decision = await check_decide(ACTOR, rita, cast.acme_id, draft_id, decision="approved", note="")
    assert decision == "approved"
    assert await _status(deliverable_id) == "approved"
    draft = await _draft(draft_id)
    assert draft["decision"] == "approved" and draft["decided_by"] == rita.id and draft["decided_at"] is not None
    notes = await Notification.select().where(
        (Notification.recipient_kind == "creator") & (Notification.kind == "draft.approved")
    )
    assert len(notes) == 1 and notes[0]["link"] == f"/work/{deliverable_id}"
    audit = await AuditLog.select().where(AuditLog.action == "draft.approved").first()
    assert audit is not None and jsonb(audit["before"])["deliverable_status"] == "draft_submitted"
    assert jsonb(audit["after"])["deliverable_status"] == "approved"
    assert await RelationshipEvent.exists().where(RelationshipEvent.kind == "draft.approved")
    # Nothing is left to decide: the queue is empty and a second decision is refused.
    assert (await list_review_queue(cast.acme_id)).rows == []
    with pytest.raises(IllegalTransition, match="already decided"):
        await check_decide(ACTOR, rita, cast.acme_id, draft_id, decision="changes_requested", note="Wait")


async def test_it_requests_changes_with_the_note_shared_and_takes_the_next_round(
    cast: Cast, reel: tuple[int, int], client: httpx.AsyncClient, local_storage: LocalStorage
) -> None:
    deliverable_id, draft_id = reel
    bob = await get_staff_context(cast.bob_id)
    await check_decide(
        ACTOR, bob, cast.acme_id, draft_id, decision="changes_requested", note="Say #ad out loud at the start."
    )
    assert await _status(deliverable_id) == "changes_requested"
    [note] = await DraftComment.select().where(DraftComment.draft == draft_id)
    assert note["shared"] and note["body"] == "Say #ad out loud at the start." and note["author_label"] == "Bob Manager"
    # Alice sends round 2; the review screen puts version 1 beside it.
    second = await submitted_draft(client, local_storage, cast.alice_id, deliverable_id)
    review = await get_review(cast.acme_id, second)
    assert review.previous is not None and review.previous.id == draft_id
    assert review.rounds.label() == "round 2 of 3" and not review.rounds.beyond_agreement
    assert review.awaiting_decision
    await check_decide(ACTOR, bob, cast.acme_id, second, decision="approved", note="")
    assert await _status(deliverable_id) == "approved"


async def test_it_refuses_changes_without_a_shared_comment(cast: Cast, reel: tuple[int, int]) -> None:
    deliverable_id, draft_id = reel
    bob = await get_staff_context(cast.bob_id)
    with pytest.raises(InvalidInput) as refused:
        await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="changes_requested", note="  ")
    assert "note" in refused.value.errors
    # An internal comment does not tell the creator anything: still refused.
    await do_add_comment(
        ACTOR, BrandSide(bob, cast.acme_id), draft_id, body="Legal should look", at_ms=None, shared=False
    )
    with pytest.raises(InvalidInput):
        await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="changes_requested", note="")
    with pytest.raises(InvalidInput):
        await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="approved_with_notes", note="")
    assert await _status(deliverable_id) == "draft_submitted"
    # A shared comment at a moment of the video says what to change: now the request goes through.
    await do_add_comment(
        ACTOR, BrandSide(bob, cast.acme_id), draft_id, body="Logo is cut off here", at_ms=12_500, shared=True
    )
    await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="changes_requested", note="")
    assert await _status(deliverable_id) == "changes_requested"


async def test_it_refuses_an_unknown_decision(cast: Cast, reel: tuple[int, int]) -> None:
    bob = await get_staff_context(cast.bob_id)
    with pytest.raises(InvalidInput) as refused:
        await check_decide(ACTOR, bob, cast.acme_id, reel[1], decision="maybe", note="")
    assert "decision" in refused.value.errors


async def test_it_never_approves_a_draft_the_disclosure_check_blocks(cast: Cast, reel: tuple[int, int]) -> None:
    deliverable_id, draft_id = reel
    # Sending refuses a blocked caption today; the decision holds the line on its own (a draft checked under
    # older rules, or an unconfirmed video), so the stored result is set to what such a draft would hold.
    await get_engine().fetch(
        "UPDATE draft SET disclosure_confirmed = false WHERE id = $1", draft_id
    )  # an unconfirmed video blocks
    bob = await get_staff_context(cast.bob_id)
    for decision in ("approved", "approved_with_notes"):
        with pytest.raises(IllegalTransition, match="disclosure check blocks it"):
            await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision=decision, note="Nice")
    assert await _status(deliverable_id) == "draft_submitted"
    review = await get_review(cast.acme_id, draft_id)
    assert review.draft.verdict == "block"
    await check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="changes_requested", note="Say it out loud.")
    assert await _status(deliverable_id) == "changes_requested"


@pytest.mark.parametrize("who", ["fran", "vic"])
async def test_it_refuses_finance_and_viewers(cast: Cast, reel: tuple[int, int], who: str) -> None:
    deliverable_id, draft_id = reel
    staff = await get_staff_context(cast.fran_id if who == "fran" else cast.vic_id)
    with pytest.raises(PermissionDenied):
        await check_decide(ACTOR, staff, cast.acme_id, draft_id, decision="approved", note="")
    with pytest.raises(PermissionDenied):
        await do_add_comment(ACTOR, BrandSide(staff, cast.acme_id), draft_id, body="Hm", at_ms=None, shared=False)
    with pytest.raises(PermissionDenied):
        await check_bulk_approve(ACTOR, staff, cast.acme_id, [draft_id])
    assert await _status(deliverable_id) == "draft_submitted"
    assert not await DraftComment.exists().where(DraftComment.draft == draft_id)


async def test_it_hides_a_draft_from_another_brand(cast: Cast, reel: tuple[int, int]) -> None:
    _, draft_id = reel
    charlie = await get_staff_context(cast.charlie_id)
    with pytest.raises(NotFound):
        await check_decide(ACTOR, charlie, cast.globex_id, draft_id, decision="approved", note="")
    with pytest.raises(NotFound):
        await do_add_comment(ACTOR, BrandSide(charlie, cast.globex_id), draft_id, body="x", at_ms=None, shared=True)
    with pytest.raises(NotFound):
        await get_review(cast.globex_id, draft_id)
    assert (await check_bulk_approve(ACTOR, charlie, cast.globex_id, [draft_id]))[0].reason == "not found"
    assert await _status(reel[0]) == "draft_submitted"


async def test_two_reviewers_deciding_at_once_one_wins(cast: Cast, reel: tuple[int, int]) -> None:
    deliverable_id, draft_id = reel
    bob, rita = await get_staff_context(cast.bob_id), await _rita(cast)
    results = await asyncio.gather(
        check_decide(ACTOR, bob, cast.acme_id, draft_id, decision="approved", note=""),
        check_decide(ACTOR, rita, cast.acme_id, draft_id, decision="changes_requested", note="Reshoot the end."),
        return_exceptions=True,
    )
    won = [r for r in results if not isinstance(r, BaseException)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1 and isinstance(lost[0], IllegalTransition), results
    draft = await _draft(draft_id)
    assert draft["decision"] == won[0]
    expected = "approved" if won[0] == "approved" else "changes_requested"
    assert await _status(deliverable_id) == expected
    assert await AuditLog.count().where(AuditLog.action.is_in(["draft.approved", "draft.changes_requested"])) == 1
    assert await Notification.count().where(Notification.event_key.like(f"draft.decision:{draft_id}:%")) == 1


async def test_it_approves_images_in_bulk_and_leaves_the_rest(
    cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage
) -> None:
    deliverables = await acme_deliverables(cast)
    story = await submitted_draft(client, local_storage, cast.alice_id, deliverables[STORY], image=True)
    post = await submitted_draft(client, local_storage, cast.alice_id, deliverables[POST], image=True)
    video = await submitted_draft(client, local_storage, cast.alice_id, deliverables[VIDEO])
    queue = await list_review_queue(cast.acme_id)
    assert {row.draft_id: row.bulk_approvable for row in queue.rows} == {story: True, post: True, video: False}
    bob = await get_staff_context(cast.bob_id)
    outcomes = await check_bulk_approve(ACTOR, bob, cast.acme_id, [story, post, video, story, 999_999])
    by_id = {o.draft_id: o for o in outcomes}
    assert len(outcomes) == 4  # the repeated id counts once
    assert by_id[story].approved and by_id[post].approved
    assert not by_id[video].approved and "video" in by_id[video].reason
    assert by_id[999_999].reason == "not found"
    assert await _status(deliverables[STORY]) == "approved" and await _status(deliverables[POST]) == "approved"
    assert await _status(deliverables[VIDEO]) == "draft_submitted"
    with pytest.raises(InvalidInput):
        await check_bulk_approve(ACTOR, bob, cast.acme_id, [])


async def test_it_leaves_a_blocked_image_out_of_bulk_approval(
    cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage
) -> None:
    deliverables = await acme_deliverables(cast)
    post = await submitted_draft(client, local_storage, cast.alice_id, deliverables[POST], image=True)
    # What a draft checked under stricter rules would hold (sending refuses a block today).
    await get_engine().fetch("UPDATE draft SET disclosure_result = 'block' WHERE id = $1", post)
    assert not (await list_review_queue(cast.acme_id)).rows[0].bulk_approvable
    [outcome] = await check_bulk_approve(ACTOR, await get_staff_context(cast.bob_id), cast.acme_id, [post])
    assert not outcome.approved and "blocks" in outcome.reason
    assert await _status(deliverables[POST]) == "draft_submitted"


async def test_comments_internal_stay_with_the_brand_shared_reach_the_creator(
    cast: Cast, reel: tuple[int, int]
) -> None:
    deliverable_id, draft_id = reel
    bob = await get_staff_context(cast.bob_id)
    side = BrandSide(bob, cast.acme_id)
    await do_add_comment(ACTOR, side, draft_id, body="Check with legal", at_ms=None, shared=False)
    shared = await do_add_comment(ACTOR, side, draft_id, body="Logo covered", at_ms=4_000, shared=True)
    assert await Notification.count().where(Notification.kind == "draft.comment") == 1
    note = await Notification.select().where(Notification.event_key.like(f"draft.comment:{shared}:%")).first()
    assert note is not None and "at 0:04" in note["body"]
    # Alice answers (shared, always); Bob, who sent the offer, hears about it.
    reply = await do_add_comment(
        ACTOR, CreatorSide(cast.alice_id), draft_id, body="Fixed in the next cut", at_ms=4_000, shared=True
    )
    assert await Notification.exists().where(
        (Notification.recipient_kind == "staff")
        & (Notification.recipient_id == cast.bob_id)
        & Notification.event_key.like(f"draft.comment:{reply}:%")
    )
    with pytest.raises(PermissionDenied):
        await do_add_comment(ACTOR, CreatorSide(cast.alice_id), draft_id, body="psst", at_ms=None, shared=False)
    # The creator's view has the shared ones only; the brand's has all three.
    [feedback] = await list_shared_feedback(cast.alice_id, deliverable_id)
    assert [c.body for c in feedback.comments] == ["Logo covered", "Fixed in the next cut"]
    assert len((await get_review(cast.acme_id, draft_id)).comments) == 3


async def test_it_validates_comments(cast: Cast, reel: tuple[int, int]) -> None:
    _, draft_id = reel
    side = BrandSide(await get_staff_context(cast.bob_id), cast.acme_id)
    with pytest.raises(InvalidInput) as refused:
        await do_add_comment(ACTOR, side, draft_id, body="   ", at_ms=-5, shared=True)
    assert set(refused.value.errors) == {"body", "at_ms"}
    with pytest.raises(InvalidInput):
        await do_add_comment(ACTOR, side, draft_id, body="x" * 5001, at_ms=None, shared=True)
    # Another creator's draft does not exist for Alice.
    with pytest.raises(NotFound):
        await do_add_comment(ACTOR, CreatorSide(cast.alice_id + 999), draft_id, body="hi", at_ms=None, shared=True)


# --- rules (pure) ---------------------------------------------------------------------------------


def test_it_reads_and_writes_video_moments() -> None:
    assert parse_at_ms("12500") == (12500, "")
    assert parse_at_ms("0:12") == (12000, "")
    assert parse_at_ms("1:02:03.5") == (3_723_500, "")
    assert parse_at_ms("") == (None, "")
    assert parse_at_ms("1:75")[1] and parse_at_ms("soon")[1]
    assert parse_at_ms(str(25 * 3600 * 1000))[1]  # not inside any video we take
    assert [format_at(ms) for ms in (0, 12_999, 245_000, 3_723_000)] == ["0:00", "0:12", "4:05", "1:02:03"]


def test_it_says_when_a_review_is_due() -> None:
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    assert due_in_words(now + dt.timedelta(days=2, hours=3), now) == "due in 2 days"
    assert due_in_words(now + dt.timedelta(minutes=90), now) == "due in 1 hour"
    assert due_in_words(now - dt.timedelta(days=1, hours=1), now) == "overdue by 1 day"
    assert due_in_words(None, now) == "no turnaround promised"
    assert is_review_overdue(now - dt.timedelta(seconds=1), now) and not is_review_overdue(None, now)


def test_it_knows_who_decides_and_what_may_be_approved_in_bulk() -> None:
    assert [can_decide(role) for role in Role] == [True, True, True, False, False]
    assert not bulk_refusal(content_type="image/png", verdict="warn", decided=False, latest=True)
    assert "video" in bulk_refusal(content_type="video/mp4", verdict="pass", decided=False, latest=True)
    assert "blocks" in bulk_refusal(content_type="image/png", verdict="block", decided=False, latest=True)
    assert approval_refused("approved", "block") and not approval_refused("changes_requested", "block")
    assert note_needed("changes_requested", has_shared_comment=False)
    assert not note_needed("changes_requested", has_shared_comment=True) and not note_needed(
        "approved", has_shared_comment=False
    )


def test_it_rounds_a_fresh_promise_to_the_days_promised() -> None:
    now = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    assert due_in_words(now + dt.timedelta(days=3) - dt.timedelta(minutes=1), now) == "due in 3 days"
    assert due_in_words(now + dt.timedelta(hours=23), now) == "due in 23 hours"
