"""Deadline reminders: due soon and overdue, once per deliverable and due date however often the hourly
job runs, again when the date moves; emails leave through the outbox to a real SMTP server."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import system_actor
from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.collaborations.tasks import send_due_reminders as reminder_task
from shared.dates import format_day
from shared.db.tables import Deliverable, Notification
from shared.identity.queries import get_staff_context
from shared.integrations.email import Mailer
from shared.jobs import job_app, job_queue
from shared.notifications.outbox import send_pending_emails
from shared.notifications.reminders import DUE_SOON_DAYS, send_due_reminders
from shared.settings import Settings
from tests.conftest import Cast
from tests.email_fixtures import Inbox
from tests.factories import agreed_deal, in_days, offer_form, offer_to, published_campaign

ACTOR = system_actor("test")
TODAY = dt.datetime.now(dt.UTC).date()


async def _deal_due_in(cast: Cast, days: int) -> int:
    """Alice agreed to a deal whose one deliverable's draft is due in `days` days; returns the deliverable id."""
    campaign = await published_campaign(cast)
    form = {**offer_form(), "d0_draft_due": in_days(days), "d0_live_due": in_days(days + 5)}
    bob = await get_staff_context(cast.bob_id)
    [collaboration_id] = await check_send_offers(
        ACTOR, bob, brand_id=cast.acme_id, campaign_id=campaign, creator_ids=[cast.alice_id], form=form
    )
    await do_accept_offer(ACTOR, CreatorSide(cast.alice_id), collaboration_id=collaboration_id)
    row = await Deliverable.select(Deliverable.id).where(Deliverable.collaboration == collaboration_id).first()
    assert row is not None
    return int(row["id"])


async def _reminders() -> list[tuple[str, str, int]]:
    rows = await Notification.select(Notification.kind, Notification.recipient_kind, Notification.recipient_id).where(
        Notification.kind.is_in(["due_soon", "overdue"])
    )
    return sorted((row["kind"], row["recipient_kind"], row["recipient_id"]) for row in rows)


async def test_it_reminds_once_of_a_deliverable_due_soon(cast: Cast) -> None:
    deliverable_id = await _deal_due_in(cast, 2)
    first = await send_due_reminders()
    second = await send_due_reminders()
    # The creator and Bob (who sent the offer), once each, however often the job runs.
    assert first.due_soon == 2 and second.due_soon == 0
    assert await _reminders() == [("due_soon", "creator", cast.alice_id), ("due_soon", "staff", cast.bob_id)]
    note = (
        await Notification.objects()
        .where((Notification.recipient_kind == "creator") & (Notification.kind == "due_soon"))
        .first()
    )
    assert note is not None and "due in 2 days" in note.title and note.link == "/work"
    assert f"({format_day(dt.date.fromisoformat(in_days(2)))})" in note.title  # with its year, like every date
    assert note.event_key.startswith(f"due_soon:{deliverable_id}:{in_days(2)}")


async def test_it_leaves_deadlines_further_away_alone(cast: Cast) -> None:
    await _deal_due_in(cast, DUE_SOON_DAYS + 1)
    assert (await send_due_reminders()).due_soon == 0
    assert await _reminders() == []


async def test_it_reminds_once_of_an_overdue_deliverable(cast: Cast) -> None:
    await agreed_deal(cast)  # draft due in 7 days
    later = TODAY + dt.timedelta(days=8)
    first = await send_due_reminders(later)
    again = await send_due_reminders(later + dt.timedelta(hours=1))
    assert first.overdue == 2 and again.overdue == 0
    assert await _reminders() == [("overdue", "creator", cast.alice_id), ("overdue", "staff", cast.bob_id)]
    note = (
        await Notification.objects()
        .where((Notification.recipient_kind == "staff") & (Notification.kind == "overdue"))
        .first()
    )
    assert note is not None and note.title.startswith("Overdue") and "Alice Rivera" in note.title


async def test_it_reminds_again_when_the_due_date_moves(cast: Cast) -> None:
    deliverable_id = await _deal_due_in(cast, 1)
    assert (await send_due_reminders()).due_soon == 2
    # Moving a due date has no action yet (the content area owns it); the row changes as that action will.
    await Deliverable.update({Deliverable.due_on: TODAY + dt.timedelta(days=3)}).where(Deliverable.id == deliverable_id)
    assert (await send_due_reminders()).due_soon == 2
    assert (await send_due_reminders()).due_soon == 0
    assert len(await _reminders()) == 4


async def test_it_skips_finished_work_and_closed_deals(cast: Cast) -> None:
    approved = await _deal_due_in(cast, 1)
    # Approval has no action yet (the content area owns it); the row changes as that action will.
    await Deliverable.update({Deliverable.status: "approved"}).where(Deliverable.id == approved)
    await offer_to(cast, cast.alice_id)  # an open offer: no deliverables yet
    report = await send_due_reminders(TODAY + dt.timedelta(days=30))
    assert (report.due_soon, report.overdue) == (0, 0)
    assert await _reminders() == []


async def test_it_reminds_only_the_brand_while_a_draft_waits_for_review(cast: Cast) -> None:
    submitted = await _deal_due_in(cast, 1)
    await Deliverable.update({Deliverable.status: "draft_submitted"}).where(Deliverable.id == submitted)
    await send_due_reminders()
    assert await _reminders() == [("due_soon", "staff", cast.bob_id)]


async def test_it_emails_reminders_through_the_outbox(cast: Cast, email_settings: Settings, inbox: Inbox) -> None:
    await _deal_due_in(cast, 0)
    mailer = Mailer(email_settings.smtp_url)
    # The offer, its acceptance, and the "deal agreed" note to Acme's finance (Fran).
    assert await send_pending_emails(mailer, email_settings.base_url) == 3
    inbox.messages.clear()
    await send_due_reminders()
    assert await send_pending_emails(mailer, email_settings.base_url) == 2
    assert [m["Subject"] for m in inbox.to("alice@creators.test")] == [
        "Coming up: Reel on Instagram draft for “Spring trail”, due today"
    ]
    bob = inbox.to("bob@acme.test")
    assert len(bob) == 1 and f"{email_settings.base_url}/backoffice/b/acme/offers/" in bob[0].get_content()
    await send_due_reminders()
    assert await send_pending_emails(mailer, email_settings.base_url) == 0


async def test_it_runs_hourly_through_a_worker(cast: Cast, database_url: str) -> None:
    periodic = {task.task.name: task.cron for task in job_app.periodic_registry.periodic_tasks.values()}
    assert periodic["send_due_reminders"] == "7 * * * *"
    await _deal_due_in(cast, 2)
    async with job_queue(database_url) as jobs:
        await reminder_task.defer_async()
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)
        await reminder_task.defer_async()
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)
    assert len(await _reminders()) == 2
