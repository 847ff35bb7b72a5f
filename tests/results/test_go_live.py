"""Verified go-live, against the platforms' stand-in over real HTTP: a live post is verified only when it exists,
is on the creator's linked account and its live caption keeps the disclosure and the brief's tags; anything
else is said in words to both sides, and a person can verify by hand (audited)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.creators.actions import do_store_refreshed_tokens
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.tables import AuditLog, Deliverable, LivePost, Notification, PostMetric, SocialIdentity
from shared.errors import IllegalTransition, InvalidInput, PermissionDenied
from shared.identity.queries import get_staff_context
from shared.integrations.oauth import TokenSet
from shared.integrations.platform_simulator import SimPost
from shared.results.actions import do_verify_post
from shared.results.checks import check_live_post, sweep
from shared.settings import Settings
from tests.conftest import Cast
from tests.results_fixtures import REEL_URL, Platforms, alice_post, approved_reel, connect_alice, live_reel
from tests.review_helpers import VIDEO, acme_deliverables, matrix_storage, submitted_draft

ACTOR = system_actor("test")
CAPTION_X = "#ad Trail day with my new pack from @acme #acmetrail"


async def _post(live_post_id: int) -> LivePost:
    post = await LivePost.objects().where(LivePost.id == live_post_id).first()
    assert post is not None
    return post


async def _titles(kind: str, recipient_kind: str) -> list[str]:
    rows = await Notification.select(Notification.title, Notification.body).where(
        (Notification.kind == kind) & (Notification.recipient_kind == recipient_kind)
    )
    return [f"{r['title']} — {r['body']}" for r in rows]


async def test_a_post_on_the_creators_account_with_its_disclosure_is_verified(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    reel, live_post_id = await live_reel(cast)
    assert (await _post(live_post_id)).state == "checking"
    result = await check_live_post(results_settings, live_post_id)
    assert result.state == "verified" and result.problems == ()
    post = await _post(live_post_id)
    assert post.post_id == "17900000000000001" and post.source == "Instagram Graph API"
    assert post.verified_at is not None and post.verified_by is None
    deliverable = await Deliverable.objects().where(Deliverable.id == reel).first()
    assert deliverable is not None and deliverable.status == "verified"
    assert any("is verified" in t for t in await _titles("live_post.verified", "creator"))
    assert await AuditLog.exists().where(AuditLog.action == "live_post.checked")
    # Checked again with nothing changed: nothing new is written or said.
    audits = await AuditLog.count().where(AuditLog.action == "live_post.checked")
    await check_live_post(results_settings, live_post_id)
    assert await AuditLog.count().where(AuditLog.action == "live_post.checked") == audits


async def test_a_caption_that_dropped_the_disclosure_is_a_mismatch_both_sides_read(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post("Trail day with my new pack from @acme #acmetrail"))
    reel, live_post_id = await live_reel(cast)
    result = await check_live_post(results_settings, live_post_id)
    assert result.state == "mismatch"
    assert result.problems == ("The live caption dropped #ad.",)
    deliverable = await Deliverable.objects().where(Deliverable.id == reel).first()
    assert deliverable is not None and deliverable.status == "live"
    creator = await _titles("live_post.mismatch", "creator")
    staff = await _titles("live_post.mismatch", "staff")
    assert creator and staff and "dropped #ad" in creator[0] and "dropped #ad" in staff[0]


async def test_a_caption_missing_the_briefs_tags_is_a_mismatch(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post("#ad Trail day with my new pack"))
    _reel, live_post_id = await live_reel(cast)
    result = await check_live_post(results_settings, live_post_id)
    assert result.state == "mismatch"
    assert "The live caption is missing #acmetrail, which the brief asks for." in result.problems
    assert "The live caption is missing @acme, which the brief asks for." in result.problems


async def test_a_post_not_on_the_account_is_a_mismatch(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post(owner="ig-someone-else", handle="someone.else"))
    _reel, live_post_id = await live_reel(cast)
    result = await check_live_post(results_settings, live_post_id)
    assert result.state == "mismatch"
    assert result.problems[0].startswith("Instagram has no such post on @alice.outdoors")


async def test_a_youtube_video_on_another_channel_is_said_to_be_someone_elses(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    identity = SocialIdentity(creator=cast.alice_id, provider="youtube", subject="yt-alice", handle="AliceOutdoors")
    await identity.save()
    tokens = TokenSet("ya29.alice", "1//alice", None, "youtube.readonly")
    await do_store_refreshed_tokens(ACTOR, int(identity.id), tokens, Encryptor(results_settings.secret_key))
    platforms.simulator.grant("ya29.alice", "youtube", "yt-alice")
    caption = "Trail day #ad\nMy new pack from @acme #acmetrail"
    platforms.simulator.add_post(SimPost("youtube", "dQw4w9WgXcQ", "yt-other", "OtherChannel", caption))
    video = (await acme_deliverables(cast))[VIDEO]
    draft = await submitted_draft(None, matrix_storage(), cast.alice_id, video)
    from shared.content.actions import check_submit_live
    from shared.content.review import check_decide

    await check_decide(ACTOR, await get_staff_context(cast.bob_id), cast.acme_id, draft, decision="approved", note="")
    await check_submit_live(ACTOR, cast.alice_id, video, urls=["https://www.youtube.com/watch?v=dQw4w9WgXcQ"])
    post = await LivePost.objects().where(LivePost.deliverable == video).first()
    assert post is not None
    result = await check_live_post(results_settings, int(post.id))
    assert result.state == "mismatch"
    assert result.problems == ("This post is on @OtherChannel, not on @AliceOutdoors, the account linked in Rapport.",)
    # The same video on her own channel is verified.
    platforms.simulator.add_post(SimPost("youtube", "dQw4w9WgXcQ", "yt-alice", "AliceOutdoors", caption))
    assert (await check_live_post(results_settings, int(post.id))).state == "verified"


async def test_a_rate_limited_platform_is_tried_again_by_the_sweep(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    platforms.simulator.state.rate_limited.add("instagram")
    _reel, live_post_id = await live_reel(cast)
    result = await check_live_post(results_settings, live_post_id)
    assert result.state == "unreachable"
    assert result.problems == ("Instagram asked us to slow down; Rapport tries again within the hour.",)
    platforms.simulator.state.rate_limited.clear()
    report = await sweep(results_settings)
    assert report.checked == 1 and (await _post(live_post_id)).state == "verified"


async def test_an_expired_token_asks_to_reconnect_and_a_reviewer_verifies_by_hand(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    platforms.simulator.state.expired.add("IGQWRalice-live-token")
    reel, live_post_id = await live_reel(cast)
    result = await check_live_post(results_settings, live_post_id)
    assert result.state == "reconnect" and "reconnects the account" in result.problems[0]
    assert any("Reconnect your Instagram account" in t for t in await _titles("live_post.reconnect", "creator"))
    vic = await get_staff_context(cast.vic_id)
    try:
        await do_verify_post(ACTOR, vic, cast.acme_id, live_post_id, note="")
        raise AssertionError("a viewer verified a post")
    except PermissionDenied:
        pass
    bob = await get_staff_context(cast.bob_id)
    await do_verify_post(ACTOR, bob, cast.acme_id, live_post_id, note="Seen on her profile")
    post = await _post(live_post_id)
    assert post.state == "verified" and post.verified_by == cast.bob_id and post.verified_note == "Seen on her profile"
    deliverable = await Deliverable.objects().where(Deliverable.id == reel).first()
    assert deliverable is not None and deliverable.status == "verified"
    audit = await AuditLog.objects().where(AuditLog.action == "live_post.verified_by_hand").first()
    assert audit is not None and audit.actor_label == "test"
    try:
        await do_verify_post(ACTOR, bob, cast.acme_id, live_post_id, note="")
        raise AssertionError("verified twice")
    except IllegalTransition:
        pass
    # A check that still can't reach the account leaves the person's verification standing.
    assert (await check_live_post(results_settings, live_post_id)).state == "verified"


async def test_a_mismatch_verified_by_hand_needs_a_reason(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post("Trail day #acmetrail @acme"))
    _reel, live_post_id = await live_reel(cast)
    assert (await check_live_post(results_settings, live_post_id)).state == "mismatch"
    bob = await get_staff_context(cast.bob_id)
    try:
        await do_verify_post(ACTOR, bob, cast.acme_id, live_post_id, note="  ")
        raise AssertionError("verified a mismatch without a reason")
    except InvalidInput as exc:
        assert "note" in exc.errors
    # Another brand's manager can't reach it at all.
    charlie = await get_staff_context(cast.charlie_id)
    try:
        await do_verify_post(ACTOR, charlie, cast.globex_id, live_post_id, note="x")
        raise AssertionError("another brand verified it")
    except Exception as exc:
        assert type(exc).__name__ in ("NotFound", "PermissionDenied")


async def test_a_platform_rapport_cant_read_leaves_it_to_a_person(cast: Cast, settings: Settings) -> None:
    """Twitch without RAPPORT_TWITCH_CLIENT_ID (Helix needs one): the check says a person verifies it."""
    assert "RAPPORT_TWITCH_CLIENT_ID" not in settings.extra and "RAPPORT_PLATFORM_API_BASE" not in settings.extra
    reel = await approved_reel(cast)
    await get_engine().fetch("UPDATE deliverable SET platform = 'twitch' WHERE id = $1", reel)
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=["https://www.twitch.tv/videos/123456"])
    post = await LivePost.objects().where(LivePost.deliverable == reel).first()
    assert post is not None
    assert (await check_live_post(settings, int(post.id))).state == "unsupported"
    post = await LivePost.objects().where(LivePost.deliverable == reel).first()
    assert post is not None and post.state == "unsupported"
    assert jsonb(post.problems) == [
        "Rapport can't read Twitch posts: someone at the brand checks the post and marks it verified."
    ]


async def test_metrics_are_read_on_schedule_and_missing_numbers_stay_missing(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    numbers = {"views": 1_000, "likes": 50, "comments": 5}  # no reach, shares or saves given
    platforms.simulator.add_post(alice_post(numbers=numbers))
    _reel, live_post_id = await live_reel(cast)
    live_at = (await _post(live_post_id)).live_at
    assert (await sweep(results_settings, now=live_at + dt.timedelta(minutes=10))).readings == 0  # checked, none due
    assert (await _post(live_post_id)).state == "verified"
    assert (await sweep(results_settings, now=live_at + dt.timedelta(hours=1, minutes=1))).readings == 1
    assert (await sweep(results_settings, now=live_at + dt.timedelta(hours=2))).readings == 0
    platforms.simulator.add_post(alice_post(numbers={**numbers, "views": 9_000}))
    assert (await sweep(results_settings, now=live_at + dt.timedelta(hours=24, minutes=5))).readings == 1
    readings = await PostMetric.select().where(PostMetric.live_post == live_post_id).order_by(PostMetric.read_at)
    assert [r["views"] for r in readings] == [1_000, 9_000]
    assert readings[0]["reach"] is None and readings[0]["shares"] is None and readings[0]["likes"] == 50
    assert {r["source"] for r in readings} == {"Instagram Graph API"}
    post = await _post(live_post_id)
    assert post.reads == 2 and post.next_read_at == live_at + dt.timedelta(days=7)
    # A month later with the job down in between: one reading, then the next weekly one.
    assert (await sweep(results_settings, now=live_at + dt.timedelta(days=31))).readings == 1
    post = await _post(live_post_id)
    assert post.next_read_at == live_at + dt.timedelta(days=37)


async def test_a_verified_post_taken_down_tells_the_brand_on_the_daily_recheck(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    _reel, live_post_id = await live_reel(cast)
    now = dt.datetime.now(dt.UTC)
    assert (await check_live_post(results_settings, live_post_id, now=now)).state == "verified"
    platforms.simulator.remove_post("instagram", "17900000000000001")
    # No metrics reading due here, so only the daily re-check asks about it.
    await get_engine().fetch("UPDATE live_post SET next_read_at = NULL WHERE id = $1", live_post_id)
    assert (await sweep(results_settings, now=now + dt.timedelta(hours=5))).checked == 0
    assert (await sweep(results_settings, now=now + dt.timedelta(days=1, minutes=1))).checked == 1
    assert (await _post(live_post_id)).state == "mismatch"
    staff = await _titles("live_post.mismatch", "staff")
    assert staff and "no longer matches" in staff[0]


def test_settings_point_every_platform_at_one_stand_in(results_settings: Settings, platforms: Platforms) -> None:
    from shared.integrations.platform_posts import platform_apis

    apis = platform_apis(results_settings)
    assert apis.instagram_graph == apis.tiktok_api == apis.youtube_api == platforms.base_url
    assert platform_apis(dataclasses.replace(results_settings, extra={})).youtube_api == "https://www.googleapis.com"


async def test_the_go_live_job_runs_through_a_real_worker(
    database_url: str, cast: Cast, results_settings: Settings, platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.jobs import job_queue

    # Workers read their configuration from the environment, as `rapport worker` does.
    monkeypatch.setenv("RAPPORT_PLATFORM_API_BASE", platforms.base_url)
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    async with job_queue(database_url) as jobs:
        _reel, live_post_id = await live_reel(cast)  # the check is queued after the commit
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)
    assert (await _post(live_post_id)).state == "verified"


async def test_a_person_s_verification_stands_until_the_post_is_gone(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post("Trail day @acme #acmetrail"))  # no #ad in the caption
    _reel, live_post_id = await live_reel(cast)
    assert (await check_live_post(results_settings, live_post_id)).state == "mismatch"
    bob = await get_staff_context(cast.bob_id)
    await do_verify_post(ACTOR, bob, cast.acme_id, live_post_id, note="Paid-partnership label is on the post")
    assert (await check_live_post(results_settings, live_post_id)).state == "verified"  # still the same caption
    platforms.simulator.remove_post("instagram", "17900000000000001")
    assert (await check_live_post(results_settings, live_post_id)).state == "mismatch"  # taken down


async def test_an_account_to_reconnect_is_tried_again_hourly(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    platforms.simulator.state.expired.add("IGQWRalice-live-token")
    _reel, live_post_id = await live_reel(cast)
    now = dt.datetime.now(dt.UTC)
    assert (await check_live_post(results_settings, live_post_id, now=now)).state == "reconnect"
    await get_engine().fetch("UPDATE live_post SET next_read_at = NULL WHERE id = $1", live_post_id)
    assert (await sweep(results_settings, now=now + dt.timedelta(minutes=20))).checked == 0
    platforms.simulator.state.expired.clear()  # she reconnected
    assert (await sweep(results_settings, now=now + dt.timedelta(minutes=70))).checked == 1
    assert (await _post(live_post_id)).state == "verified"


async def test_every_live_link_is_checked_and_the_deliverable_waits_for_all(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    """Two links for one reel: each is a live post of its own; the reel is verified only once both are."""
    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    second = "https://www.instagram.com/p/DAliceTrail2/"
    platforms.simulator.add_post(
        alice_post("Trail day with my new pack from @acme #acmetrail", post_id="17900000000000002",
                   shortcode="DAliceTrail2")
    )  # fmt: skip
    reel = await approved_reel(cast)
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=[REEL_URL, second])
    rows = await get_engine().fetch("SELECT id, url FROM live_post WHERE deliverable = $1 ORDER BY id", reel)
    assert [r["url"] for r in rows] == [REEL_URL, second]
    first_id, second_id = (int(r["id"]) for r in rows)
    assert (await check_live_post(results_settings, first_id)).state == "verified"
    status = await get_engine().fetch("SELECT status FROM deliverable WHERE id = $1", reel)
    assert status[0]["status"] == "live"  # the second link is not verified yet
    second_check = await check_live_post(results_settings, second_id)
    assert second_check.state == "mismatch" and second_check.problems == ("The live caption dropped #ad.",)
    status = await get_engine().fetch("SELECT status FROM deliverable WHERE id = $1", reel)
    assert status[0]["status"] == "live"
    # Bob judges the second one fine: now both are verified, and so is the reel.
    bob = await get_staff_context(cast.bob_id)
    await do_verify_post(ACTOR, bob, cast.acme_id, second_id, note="The disclosure is in the first slide.")
    status = await get_engine().fetch("SELECT status FROM deliverable WHERE id = $1", reel)
    assert status[0]["status"] == "verified"
    # Each post has its own readings.
    await sweep(results_settings, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    assert await PostMetric.count().where(PostMetric.live_post == first_id) == 1
    assert await PostMetric.count().where(PostMetric.live_post == second_id) == 1


async def _live_on(cast: Cast, platform: str, url: str) -> tuple[int, int]:
    """Alice's Acme post deliverable, made one for `platform` (X, Twitch), approved and its link submitted."""
    from shared.content.review import check_decide
    from tests.review_helpers import POST

    deliverable = (await acme_deliverables(cast))[POST]
    await get_engine().fetch("UPDATE deliverable SET platform = $2 WHERE id = $1", deliverable, platform)
    draft = await submitted_draft(None, matrix_storage(), cast.alice_id, deliverable)
    await check_decide(ACTOR, await get_staff_context(cast.bob_id), cast.acme_id, draft, decision="approved", note="")
    await check_submit_live(ACTOR, cast.alice_id, deliverable, urls=[url])
    rows = await get_engine().fetch("SELECT id, state FROM live_post WHERE deliverable = $1", deliverable)
    assert rows[0]["state"] == "checking"  # X and Twitch are read now, not left to a person
    return deliverable, int(rows[0]["id"])


async def test_an_x_post_is_verified_through_oembed_and_its_dropped_ad_is_said(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    await SocialIdentity(creator=cast.alice_id, provider="x", subject="x-alice", handle="alice_outdoors").save()
    url = "https://x.com/alice_outdoors/status/1861000000000000001"
    tweet = SimPost("x", "1861000000000000001", "x-alice", "alice_outdoors", CAPTION_X)
    platforms.simulator.add_post(tweet)
    deliverable, live_post_id = await _live_on(cast, "x", url)
    result = await check_live_post(results_settings, live_post_id)
    assert result.state == "verified", result.problems
    assert (await _post(live_post_id)).source == "X oEmbed"
    status = await get_engine().fetch("SELECT status FROM deliverable WHERE id = $1", deliverable)
    assert status[0]["status"] == "verified"
    # A reading of an X post: none of the numbers is given (NULL, "not available"), none is 0.
    await check_live_post(results_settings, live_post_id, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    reading = await PostMetric.objects().where(PostMetric.live_post == live_post_id).first()
    assert reading is not None and reading.source == "X oEmbed"
    assert (reading.views, reading.likes, reading.comments, reading.shares) == (None, None, None, None)
    # The post edited (re-posted) without #ad: the daily check says so in words.
    platforms.simulator.add_post(dataclasses.replace(tweet, caption=CAPTION_X.replace("#ad ", "")))
    dropped = await check_live_post(results_settings, live_post_id)
    assert dropped.state == "mismatch" and dropped.problems == ("The live post dropped #ad.",)


async def test_a_twitch_video_is_read_with_the_creators_token_and_an_expired_one_asks_to_reconnect(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    identity = SocialIdentity(creator=cast.alice_id, provider="twitch", subject="141981764", handle="aliceoutdoors")
    await identity.save()
    tokens = TokenSet("twitch-alice", "twitch-refresh", None, "user:read:email")
    await do_store_refreshed_tokens(ACTOR, int(identity.id), tokens, Encryptor(results_settings.secret_key))
    platforms.simulator.grant("twitch-alice", "twitch", "141981764")
    platforms.simulator.add_post(
        SimPost("twitch", "2291000001", "141981764", "aliceoutdoors", CAPTION_X, numbers={"views": 4_210})
    )
    _, live_post_id = await _live_on(cast, "twitch", "https://www.twitch.tv/videos/2291000001")
    platforms.simulator.state.expired.add("twitch-alice")
    expired = await check_live_post(results_settings, live_post_id)
    assert expired.state == "reconnect" and "Rapport can't read @aliceoutdoors on Twitch" in expired.problems[0]
    assert any("Reconnect your Twitch account" in t for t in await _titles("live_post.reconnect", "creator"))
    platforms.simulator.state.expired.clear()
    assert (await check_live_post(results_settings, live_post_id)).state == "verified"
    await check_live_post(results_settings, live_post_id, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=2))
    reading = await PostMetric.objects().where(PostMetric.live_post == live_post_id).first()
    assert reading is not None and reading.views == 4_210 and reading.likes is None


async def test_two_links_verified_at_the_same_moment_still_verify_the_deliverable(
    cast: Cast, results_settings: Settings, platforms: Platforms
) -> None:
    """Both posts' checks run at once (two jobs) and the deliverable ends verified. (Each check locks the deliverable
    before its post so the later one sees the earlier's verdict; this test does not force the two transactions to
    overlap, so it guards the outcome, not the lock itself.)"""
    import asyncio

    await connect_alice(cast, results_settings, platforms)
    platforms.simulator.add_post(alice_post())
    platforms.simulator.add_post(alice_post(post_id="17900000000000002", shortcode="DAliceTrail2"))
    reel = await approved_reel(cast)
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=[REEL_URL, "https://www.instagram.com/p/DAliceTrail2/"])
    ids = [int(r["id"]) for r in await get_engine().fetch("SELECT id FROM live_post WHERE deliverable = $1", reel)]
    results = await asyncio.gather(*(check_live_post(results_settings, i) for i in ids))
    assert [r.state for r in results] == ["verified", "verified"]
    status = await get_engine().fetch("SELECT status FROM deliverable WHERE id = $1", reel)
    assert status[0]["status"] == "verified"
