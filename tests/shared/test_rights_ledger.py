"""The rights ledger through the real actions: a grant when a draft is approved, re-dated when the post goes live,
renewals and revocations (audited), the append-only trigger, expiry alerts once each, and the library's query."""

from __future__ import annotations

import datetime as dt

import asyncpg
import httpx
import pytest

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.errors import InvalidInput, PermissionDenied
from shared.identity.queries import get_staff_context
from shared.integrations.storage_local import LocalStorage
from shared.rights.actions import do_extend_grant, do_revoke_grant, record_grant
from shared.rights.alerts import send_expiry_alerts
from shared.rights.queries import LibraryFilters, list_library, standing_entries
from shared.rights.rules import add_duration, today_utc, usable
from tests.conftest import Cast
from tests.factories import agreed_deal
from tests.review_helpers import deliverables_of, submitted_draft
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")
LIVE = ["https://www.instagram.com/reel/abc/"]


async def _audit(action: str) -> list[dict[str, object]]:
    return [dict(r) for r in await get_engine().fetch("SELECT * FROM audit_log WHERE action = $1", action)]


async def test_it_grants_on_approval_from_the_planned_go_live(cast: Cast, local_storage: LocalStorage) -> None:
    deliverable_id, entry_id = await approved_asset(cast, local_storage)
    [entry] = (await standing_entries([deliverable_id]))[deliverable_id]
    planned = today_utc() + dt.timedelta(days=14)  # the offer's go-live date
    assert entry.source == "approval"
    assert (entry.grant.starts_on, entry.grant.channels, entry.grant.territories) == (
        planned,
        ("organic", "paid_meta"),
        ("CA", "US"),
    )
    assert entry.grant.ends_on == add_duration(planned, 6, "months") - dt.timedelta(days=1)
    # Not usable before it goes live.
    assert not usable([entry.grant], channel="organic", country="US", on=today_utc())
    assert [row["subject_id"] for row in await _audit("rights.granted")] == [str(entry_id)]


async def test_going_live_re_dates_the_grant(cast: Cast, local_storage: LocalStorage) -> None:
    deliverable_id, approval_entry = await approved_asset(cast, local_storage)
    await check_submit_live(ACTOR, cast.alice_id, deliverable_id, urls=LIVE)
    [entry] = (await standing_entries([deliverable_id]))[deliverable_id]
    assert entry.id != approval_entry and entry.source == "go_live"
    assert entry.grant.starts_on == today_utc()
    grants = [entry.grant]
    assert usable(grants, channel="paid_meta", country="US", on=today_utc())
    assert not usable(grants, channel="ooh", country="US", on=today_utc())
    assert not usable(grants, channel="paid_meta", country="GB", on=today_utc())
    # The approval's grant is still in the ledger, superseded.
    rows = await get_engine().fetch("SELECT id, supersedes FROM rights_entry ORDER BY id")
    assert [(r["id"], r["supersedes"]) for r in rows] == [(approval_entry, None), (entry.id, approval_entry)]


async def test_a_deal_without_structured_rights_grants_nothing(cast: Cast, local_storage: LocalStorage) -> None:
    deal = await agreed_deal(cast)
    [deliverable_id] = await deliverables_of(deal.collaboration_id)
    draft_id = await submitted_draft(None, local_storage, cast.alice_id, deliverable_id)
    from shared.content.review import check_decide

    await check_decide(
        ACTOR, await get_staff_context(cast.bob_id), cast.acme_id, draft_id, decision="approved", note=""
    )
    assert await standing_entries([deliverable_id]) == {}


@pytest.mark.parametrize("statement", ["UPDATE rights_entry SET ends_on = ends_on + 365", "DELETE FROM rights_entry"])
async def test_the_ledger_is_append_only(cast: Cast, local_storage: LocalStorage, statement: str) -> None:
    await approved_asset(cast, local_storage)
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError, match="append-only"):
        await get_engine().fetch(statement)


async def test_it_renews_and_revokes_with_an_audit_trail(cast: Cast, local_storage: LocalStorage) -> None:
    deliverable_id, entry_id = await approved_asset(cast, local_storage)
    bob = await get_staff_context(cast.bob_id)
    [current] = (await standing_entries([deliverable_id]))[deliverable_id]
    with pytest.raises(InvalidInput) as earlier:
        await do_extend_grant(ACTOR, bob, cast.acme_id, entry_id, ends_on=current.grant.ends_on, reason="")
    assert "after the current one" in earlier.value.errors["ends_on"]
    new_end = current.grant.ends_on + dt.timedelta(days=183)
    renewed = await do_extend_grant(ACTOR, bob, cast.acme_id, entry_id, ends_on=new_end, reason="6 more months, $400")
    [standing] = (await standing_entries([deliverable_id]))[deliverable_id]
    assert (standing.id, standing.grant.ends_on, standing.kind) == (renewed, new_end, "extend")
    with pytest.raises(InvalidInput):  # the old entry was superseded: nobody extends it twice
        await do_extend_grant(ACTOR, bob, cast.acme_id, entry_id, ends_on=new_end + dt.timedelta(days=1), reason="")
    viewer = await get_staff_context(cast.vic_id)
    with pytest.raises(PermissionDenied):
        await do_revoke_grant(ACTOR, viewer, cast.acme_id, renewed, reason="no")
    await do_revoke_grant(ACTOR, bob, cast.acme_id, renewed, reason="The creator withdrew consent")
    assert await standing_entries([deliverable_id]) == {}
    assert len(await _audit("rights.extended")) == 1 and len(await _audit("rights.revoked")) == 1


async def test_another_brand_cannot_touch_a_grant(cast: Cast, local_storage: LocalStorage) -> None:
    from shared.errors import NotFound

    _, entry_id = await approved_asset(cast, local_storage)
    charlie = await get_staff_context(cast.charlie_id)
    with pytest.raises((NotFound, PermissionDenied)):
        await do_extend_grant(ACTOR, charlie, cast.globex_id, entry_id, ends_on=dt.date(2099, 1, 1), reason="")


async def test_it_alerts_before_the_end_once_each(cast: Cast, local_storage: LocalStorage) -> None:
    deliverable_id, _ = await approved_asset(cast, local_storage)
    [entry] = (await standing_entries([deliverable_id]))[deliverable_id]
    seven_before = entry.grant.ends_on - dt.timedelta(days=7)
    first = await send_expiry_alerts(seven_before)
    again = await send_expiry_alerts(seven_before)
    assert (first.grants, first.sent) == (1, 1)  # Bob sent the offer and made the campaign: one alert
    assert (again.grants, again.sent) == (1, 0)
    rows = await get_engine().fetch("SELECT recipient_id, title, link FROM notification WHERE kind = 'rights.expiring'")
    assert [r["recipient_id"] for r in rows] == [cast.bob_id]
    assert rows[0]["title"].startswith("Usage rights end in 7 days")
    assert (await send_expiry_alerts(seven_before + dt.timedelta(days=1))).grants == 0
    ended = await send_expiry_alerts(entry.grant.ends_on + dt.timedelta(days=1))
    assert (ended.grants, ended.sent) == (1, 1)
    take_down = await get_engine().fetch("SELECT title, link FROM notification WHERE kind = 'rights.ended'")
    assert take_down[0]["title"].startswith("Usage rights ended: take down") and "expired=true" in take_down[0]["link"]


async def test_the_library_answers_usable_now_expiring_and_expired(
    cast: Cast,
    local_storage: LocalStorage,
    client: httpx.AsyncClient,  # opens the engine's pool, which count_queries watches
) -> None:
    us, _ = await approved_asset(cast, local_storage)
    await check_submit_live(ACTOR, cast.alice_id, us, urls=LIVE)
    world, _ = await approved_asset(cast, local_storage, channels=("email",), countries="", duration="30", unit="days")
    await check_submit_live(ACTOR, cast.alice_id, world, urls=LIVE)
    # A post that went live long ago: its 30 days are over.
    old, _ = await approved_asset(cast, local_storage, channels=("organic",), countries="", duration="30", unit="days")
    await check_submit_live(ACTOR, cast.alice_id, old, urls=LIVE)
    await record_grant(ACTOR, old, source="go_live", go_live=today_utc() - dt.timedelta(days=90))
    today = today_utc()

    async def ids(**filters: object) -> list[int]:
        page = await list_library(cast.acme_id, LibraryFilters(**filters), today=today)  # type: ignore[arg-type]
        return [tile.deliverable_id for tile in page.tiles]

    assert await ids() == [old, world, us]
    assert await ids(channel="paid_meta", country="US") == [us]
    assert await ids(channel="paid_meta", country="GB") == []
    assert await ids(channel="email", country="GB") == [world]
    assert await ids(channel="organic", country="US") == [us]
    assert await ids(expiring_days=30) == [world]
    assert await ids(expired=True) == [old]
    page = await list_library(cast.acme_id, LibraryFilters(), today=today)
    texts = {tile.deliverable_id: tile.text for tile in page.tiles}
    assert texts[old].startswith("Expired ") and texts[old].endswith("— take it down.")
    assert texts[us].startswith("Usable for organic and paid social (Meta) in CA, US until ")
    assert (await list_library(cast.globex_id, LibraryFilters(), today=today)).tiles == ()
    # The per-brand channel summary the database keeps: what the brand got, to the last day any grant runs.
    spans = {r["channel"]: r["last_ends_on"] for r in await get_engine().fetch(
        "SELECT channel, last_ends_on FROM rights_channel_span WHERE brand = $1", cast.acme_id)}  # fmt: skip
    assert set(spans) == {"organic", "paid_meta", "email"} and spans["email"] >= today
    # A channel the brand never got answers at once, from the summary (one statement, no walk over the assets).
    with count_queries() as never:
        assert (await list_library(cast.acme_id, LibraryFilters(channel="ooh", country="US"), today=today)).tiles == ()
    assert never.count == 1
    first = await list_library(cast.acme_id, LibraryFilters(), today=today, limit=2)
    assert first.next_after == world
    rest = await list_library(cast.acme_id, LibraryFilters(), today=today, after=first.next_after, limit=2)
    assert [t.deliverable_id for t in rest.tiles] == [us] and rest.next_after is None
