"""The demo seeds a useful picture through the real actions, once."""

from __future__ import annotations

import datetime as dt

from shared.crm.rules import STAGES
from shared.db.engine import RapportEngine
from shared.db.tables import (
    Brand,
    Campaign,
    Collaboration,
    Deliverable,
    Draft,
    DraftComment,
    Message,
    Notification,
    Payable,
    PayableApproval,
    Relationship,
    RelationshipNote,
    Shipment,
)
from shared.demo import seed_demo_data
from shared.settings import Settings


async def test_it_seeds_offers_in_every_state_once(engine: RapportEngine) -> None:
    await seed_demo_data()
    await seed_demo_data()  # idempotent: running the demo again keeps what is there
    assert await Campaign.count() == 2
    statuses = sorted(row["status"] for row in await Collaboration.select(Collaboration.status))
    assert statuses == ["accepted", "countered", "declined", "invited"]
    assert await Deliverable.count() == 2
    assert await Shipment.count() == 1


async def test_it_seeds_a_lived_in_acme_once(engine: RapportEngine, settings: Settings) -> None:
    import time

    started = time.perf_counter()
    await seed_demo_data(settings)
    print(f"seed took {time.perf_counter() - started:.1f} s")  # shown with -s; the figure is in docs/performance.md
    await seed_demo_data(settings)  # idempotent
    acme = await Brand.select(Brand.id).where(Brand.slug == "acme").first()
    assert acme is not None
    campaigns = {row["name"]: row["status"] for row in await Campaign.select().where(Campaign.brand == acme["id"])}
    assert sorted(campaigns.values()) == ["active", "active", "completed", "draft"]
    collaborations = await Collaboration.select(Collaboration.status).where(Collaboration.brand == acme["id"])
    assert len(collaborations) >= 35
    assert {row["status"] for row in collaborations} == {
        "invited", "countered", "accepted", "declined", "withdrawn", "cancelled"
    }  # fmt: skip
    statuses = {row["status"] for row in await Deliverable.select(Deliverable.status)}
    assert {"pending", "draft_submitted", "changes_requested", "approved", "live"} <= statuses
    today = dt.datetime.now(dt.UTC).date()
    assert await Deliverable.exists().where((Deliverable.due_on < today) & (Deliverable.status == "pending"))
    waiting = await Draft.select(Draft.review_due_at).where((Draft.decision == "") & Draft.submitted_at.is_not_null())
    assert any(row["review_due_at"] < dt.datetime.now(dt.UTC) for row in waiting)  # overdue reviews
    comments = await DraftComment.select(DraftComment.shared, DraftComment.at_ms)
    assert {row["shared"] for row in comments if row["at_ms"] is not None} == {True, False}  # at video moments
    assert {row["author_kind"] for row in await Message.select(Message.author_kind)} == {"staff", "creator"}
    assert await Notification.count() > 20
    stages = {
        row["stage"] for row in await Relationship.select(Relationship.stage).where(Relationship.brand == acme["id"])
    }
    assert set(STAGES) <= stages
    assert await RelationshipNote.count() >= 6
    # Payables in each state a person meets (the released one fails once the worker finds no payout account).
    payables = {r["status"] for r in await Payable.select(Payable.status).where(Payable.brand == acme["id"])}
    assert {"pending_approval", "approved", "paid_out", "released", "cancelled"} <= payables
    assert await PayableApproval.exists().where(PayableApproval.decision == "refused")
    globex = await Collaboration.select(Collaboration.status).where(Collaboration.brand != acme["id"])
    assert sorted(row["status"] for row in globex) == ["accepted", "countered", "invited"]  # Globex, smaller
    # Contracts in each state reachable without an authenticator: the newcomer sees the whole list.
    contracts = await engine.fetch(
        "SELECT status, count(*) AS n FROM contract WHERE NOT terms ? 'renewal' GROUP BY status"
    )
    assert {row["status"] for row in contracts} == {"draft", "sent", "signed", "declined", "voided"}
    assert all(row["n"] == 1 for row in contracts)
    # Renewals in each state of their flow; the executed one extended its grant and made its fee payable.
    renewals = {
        r["status"]: r
        for r in await engine.fetch(
            "SELECT r.status, r.contract, r.payable, r.extension, t.status AS contract_status FROM rights_renewal r "
            "LEFT JOIN contract t ON t.id = r.contract"
        )
    }
    assert set(renewals) == {"proposed", "countered", "signing", "executed", "declined"}
    assert renewals["signing"]["contract_status"] == "sent"
    assert renewals["executed"]["contract_status"] == "executed"
    assert renewals["executed"]["payable"] is not None and renewals["executed"]["extension"] is not None
    renewal_payables = await engine.fetch("SELECT status FROM payable WHERE milestone LIKE 'renewal:%'")
    assert [p["status"] for p in renewal_payables] == ["pending_approval"]
    bob_totp = await engine.fetch("SELECT totp_enabled_at FROM staff_user WHERE email = 'bob@acme.test'")
    assert bob_totp[0]["totp_enabled_at"] is None  # his demo sign-in is still a password
    # Usage rights in each state the library shows: usable, ending soon, expired (to take down), not live yet.
    from shared.rights.queries import LibraryFilters, list_library

    page = await list_library(int(acme["id"]), LibraryFilters(), today=today, limit=50)
    assert {"usable", "expiring", "expired", "upcoming"} <= {tile.state for tile in page.tiles}
    renewed = await engine.fetch("SELECT count(*) AS n FROM rights_entry WHERE kind = 'extend'")
    assert renewed[0]["n"] == 2  # Summer's, recorded by hand; and the executed renewal's
    # Finished exports on the Exports page (this month's ledger, the quarter's payables), once each.
    exports = await engine.fetch("SELECT kind, state, rows_written FROM export ORDER BY id")
    assert [(r["kind"], r["state"]) for r in exports] == [("ledger", "done"), ("payables", "done")]
    assert all(r["rows_written"] > 0 for r in exports)


async def test_it_seeds_acmes_results_in_each_state_through_the_platforms_stand_in(
    engine: RapportEngine, results_settings: Settings, platforms: object
) -> None:
    from shared.db.tables import LivePost, PostMetric

    await seed_demo_data(results_settings)
    states = {}
    for row in await LivePost.select(LivePost.id, LivePost.state, LivePost.verified_by, LivePost.problems):
        states.setdefault(row["state"], []).append(row)
    assert {"verified", "mismatch", "reconnect", "checking"} <= set(states)
    assert any(row["verified_by"] is not None for row in states["verified"])  # Rita verified Olu's by hand
    assert any("dropped #ad" in str(row["problems"]) for row in states["mismatch"])
    readings = await PostMetric.count()
    assert readings >= 15  # Spring trail's posts read at 1 h, 24 h, 7 d, 30 d and 37 d
    views = [r["views"] for r in await PostMetric.select(PostMetric.views).where(PostMetric.source != "X oEmbed")]
    assert all(v is not None for v in views)
    # Gus's X post verified through oEmbed (X gives no numbers: NULL, "not available") with his self-reported
    # screenshot of its analytics; his Twitch video verified through Helix with its views.
    from shared.db.tables import SelfReportedReading

    by_source = {r["source"]: r for r in await LivePost.select(LivePost.source, LivePost.state, LivePost.id)}
    assert by_source["X oEmbed"]["state"] == "verified" and by_source["Twitch Helix API"]["state"] == "verified"
    x_readings = await PostMetric.select(PostMetric.views).where(PostMetric.source == "X oEmbed")
    assert x_readings and all(r["views"] is None for r in x_readings)
    twitch_views = (
        await PostMetric.select(PostMetric.views)
        .where(PostMetric.source == "Twitch Helix API")
        .order_by(PostMetric.read_at)
    )
    assert [r["views"] for r in twitch_views] == [1_900, 6_700]
    report = await SelfReportedReading.objects().first()
    assert report is not None and report.live_post == by_source["X oEmbed"]["id"] and report.views == 8_400
    assert report.screenshot_type == "image/png"
    from shared.db.tables import TrackedLink

    assert sorted(r["clicks"] for r in await TrackedLink.select(TrackedLink.clicks)) == [212, 587]
    # Conversions: rates set, two creators' codes, the shop's orders (one code nobody has), clicks spread by day.
    from shared.results.queries import get_campaign_results

    [spring] = await engine.fetch("SELECT id, brand FROM campaign WHERE name = 'Spring trail'")
    results = await get_campaign_results(int(spring["brand"]), int(spring["id"]))
    figures = {f.name: f.value for f in results.formulas}
    assert results.conversions.orders == 41 + 96 and figures["Earned media value"].startswith("US$")
    assert figures["Return on investment (ROI)"] != "not available" and results.rates_words
    days = await engine.fetch("SELECT sum(clicks) AS n, count(*) AS days FROM tracked_link_day")
    assert days[0]["n"] == 212 + 587 and days[0]["days"] > 20
    assert await engine.fetch("SELECT 1 FROM sale_order WHERE code = 'WELCOME5'")
