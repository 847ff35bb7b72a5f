"""The demo's results: Acme's live posts put on the platforms' stand-in and checked through the real job code, so
the Results pages show each state — verified with a month of readings, a caption that dropped #ad, a creator
with no Instagram account linked (one verified by hand by Rita), and a post still waiting for its first check;
and Gus's X post (verified through oEmbed, with a self-reported screenshot of its analytics) and Twitch video.

Runs only when the stand-in is configured (RAPPORT_PLATFORM_API_BASE, which `rapport demo` sets). The Spring
trail posts are moved back 40 days (as the rest of the demo's history is) and read at each scheduled moment.
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from shared.audit.context import Actor
from shared.creators.actions import do_store_refreshed_tokens
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.identity.queries import StaffContext
from shared.integrations.oauth import TokenSet
from shared.integrations.platform_simulator import SimPost, grant_token, put_post
from shared.results.actions import do_verify_post
from shared.results.checks import check_live_post
from shared.results.links import do_create_tracked_link, follow_link
from shared.results.rules import FIRST_READS, WEEKLY
from shared.settings import Settings

CAPTION = "#ad A day on the trail with the new pack from @acme #acmetrail"
DROPPED_AD = "A day on the trail with the new pack from @acme #acmetrail"
# How much of its final audience a post has at each reading (1 h, 24 h, 7 d, 30 d, 37 d), in percent.
GROWTH = (14, 55, 86, 97, 100)
STEPS = (*FIRST_READS, FIRST_READS[-1] + WEEKLY)
CLICKS = {"Maya": 212, "Nico": 587}

_POSTS = """
SELECT lp.id, lp.url, lp.campaign AS campaign_id, lp.creator, k.name AS campaign, cr.display_name,
       si.id AS identity, si.subject, si.handle, si.followers
FROM live_post lp
JOIN campaign k ON k.id = lp.campaign
JOIN creator cr ON cr.id = lp.creator
LEFT JOIN social_identity si ON si.creator = lp.creator AND si.provider = lp.platform
WHERE lp.brand = $1 ORDER BY lp.id
"""


def _numbers(followers: int, percent: int, seed: int) -> dict[str, int]:
    views = followers * (55 + seed % 30) // 100 * percent // 100
    return {
        "views": views,
        "reach": views * 81 // 100,
        "likes": views * (6 + seed % 5) // 100,
        "comments": views * (4 + seed % 3) // 1000,
        "shares": views * (8 + seed % 7) // 1000,
        "saves": views * (11 + seed % 9) // 1000,
    }


async def seed_demo_results(
    actor: Actor, settings: Settings, bob: StaffContext, rita: StaffContext, *, acme: int
) -> None:
    base = settings.extra.get("RAPPORT_PLATFORM_API_BASE", "")
    if not base:
        return
    encryptor = Encryptor(settings.secret_key)
    engine = get_engine()
    for post in await engine.fetch(_POSTS, acme):
        first_name = str(post["display_name"]).split()[0]
        shortcode = post["url"].rstrip("/").rsplit("/", 1)[-1]
        if post["identity"] is not None:
            token = f"IGQWRdemo-{post['subject']}"
            await do_store_refreshed_tokens(
                actor, int(post["identity"]), TokenSet(token, token, None, "instagram_business_basic"), encryptor
            )
            await grant_token(base, token, "instagram", str(post["subject"]))
        sim_post = SimPost(
            platform="instagram",
            post_id=f"1790{int(post['id']):013d}",
            owner=str(post["subject"] or ""),
            handle=str(post["handle"] or ""),
            caption=DROPPED_AD if first_name == "Rosa" else CAPTION,
            shortcode=shortcode,
            numbers=_numbers(int(post["followers"] or 20_000), GROWTH[0], int(post["id"])),
        )
        if post["campaign"] == "Spring trail":
            # Live 40 days ago, read at 1 h, 24 h, 7 d, 30 d and 37 d, the numbers growing in between.
            live_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
            await engine.fetch(
                "UPDATE live_post SET live_at = $2, next_read_at = $3 WHERE id = $1",
                post["id"],
                live_at,
                live_at + FIRST_READS[0],
            )
            for step, percent in zip(STEPS, GROWTH, strict=True):
                sim_post.numbers = _numbers(int(post["followers"] or 20_000), percent, int(post["id"]))
                await put_post(base, sim_post)
                await check_live_post(settings, int(post["id"]), now=live_at + step + dt.timedelta(minutes=3))
            if first_name in CLICKS:  # a tracked link in the bio, clicked as the post did its work
                code = await do_create_tracked_link(
                    actor, bob, acme, int(post["campaign_id"]), creator_id=int(post["creator"]),
                    target_url=f"https://acme.example/trail-pack?utm_source={first_name.lower()}",
                )  # fmt: skip
                for _ in range(CLICKS[first_name]):
                    await follow_link(code)
            if post["identity"] is None and first_name == "Olu":
                await do_verify_post(
                    actor, rita, acme, int(post["id"]), note="Checked on his profile: #ad up front, tags there."
                )
        elif first_name == "Dana":
            await put_post(base, sim_post)  # left for the worker's first sweep: "Checking the post" until then
        else:
            await put_post(base, sim_post)
            await check_live_post(settings, int(post["id"]))
    await seed_x_twitch_and_self_report(actor, settings, bob, rita, acme=acme)


# --- X, Twitch and a self-reported reading -------------------------------------------------------------------

GUS_X_POST = "1862000000000000001"
GUS_TWITCH_VIDEO = "2300000001"
GUS_NUMBERS = ((1_900, 0), (6_700, 1))  # Twitch views at the 1 h and 24 h readings


def insights_png(width: int = 360, height: int = 640) -> bytes:
    """A stand-in phone screenshot of a post's insights (a card with bars), made without an image library."""
    bars = ((60, 0.95), (120, 0.7), (180, 0.45), (240, 0.3))  # x positions, heights as a share of the chart

    def pixel(x: int, y: int) -> bytes:
        if 20 <= x < width - 20 and 20 <= y < 90:
            return b"\x3b\x2f\x8f"  # the header band
        for left, share in bars:
            top = 560 - int(400 * share)
            if left <= x < left + 40 and top <= y < 560:
                return b"\x6c\x5c\xe7"
        return b"\xff\xff\xff"

    raw = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


async def seed_x_twitch_and_self_report(
    actor: Actor, settings: Settings, bob: StaffContext, rita: StaffContext, *, acme: int
) -> None:
    """Gus's Trail 2 launch deal: an X post verified through oEmbed (no numbers from X, so he shares a screenshot
    of its analytics: a self-reported reading) and a Twitch video read through Helix with his token."""
    from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
    from shared.content.actions import check_submit_live
    from shared.content.review import check_decide
    from shared.creators.queries import get_creator_id_by_email
    from shared.demo_history import CAPTION as DRAFT_CAPTION
    from shared.demo_history import _deliverables, _send_draft, _terms
    from shared.integrations.storage_factory import storage_from_settings
    from shared.results.insights import do_report_insights

    base = settings.extra.get("RAPPORT_PLATFORM_API_BASE", "")
    if not base:
        return
    engine = get_engine()
    storage = storage_from_settings(settings)
    gus = await get_creator_id_by_email("gus@creators.test")
    launch = await engine.fetch("SELECT id FROM campaign WHERE brand = $1 AND name = 'Trail 2 launch'", acme)
    if gus is None or not launch:
        return
    form = _terms(
        "1800", [("post", "x", "Camp night thread", 10, 24), ("video", "twitch", "Camp night stream", 12, 24)]
    )
    [collaboration] = await check_send_offers(
        actor, bob, brand_id=acme, campaign_id=int(launch[0]["id"]), creator_ids=[gus], form=form
    )
    await do_accept_offer(actor, CreatorSide(gus), collaboration_id=collaboration)
    x_post, twitch_video = await _deliverables(collaboration)
    identities = {
        str(r["provider"]): r
        for r in await engine.fetch("SELECT id, provider, subject, handle FROM social_identity WHERE creator = $1", gus)
    }
    # His Twitch account's token (as after linking it), known to the stand-in as his.
    twitch = identities["twitch"]
    twitch_id = str(twitch["subject"])  # the Twitch user id Rapport holds for his account
    await do_store_refreshed_tokens(
        actor, int(twitch["id"]), TokenSet("demo-twitch-gus", "demo-twitch-gus-r", None, "user:read:email"),
        Encryptor(settings.secret_key),
    )  # fmt: skip
    await grant_token(base, "demo-twitch-gus", "twitch", twitch_id)
    x_handle = str(identities["x"]["handle"])
    await put_post(base, SimPost("x", GUS_X_POST, f"x-{x_handle}", x_handle, DRAFT_CAPTION))
    sim_video = SimPost("twitch", GUS_TWITCH_VIDEO, twitch_id, str(twitch["handle"]), DRAFT_CAPTION, kind="video")
    live_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    for deliverable, url in (
        (x_post, f"https://x.com/{x_handle}/status/{GUS_X_POST}"),
        (twitch_video, f"https://www.twitch.tv/videos/{GUS_TWITCH_VIDEO}"),
    ):
        draft = await _send_draft(actor, storage, gus, deliverable, 1)
        await check_decide(actor, rita, acme, draft, decision="approved", note="")
        await check_submit_live(actor, gus, deliverable, urls=[url])
        [post] = await engine.fetch("SELECT id FROM live_post WHERE deliverable = $1", deliverable)
        await engine.fetch(
            "UPDATE live_post SET live_at = $2, next_read_at = $3 WHERE id = $1",
            post["id"],
            live_at,
            live_at + FIRST_READS[0],
        )
        for views, step in GUS_NUMBERS:
            sim_video.numbers = {"views": views}
            await put_post(base, sim_video)
            await check_live_post(settings, int(post["id"]), now=live_at + FIRST_READS[step] + dt.timedelta(minutes=3))
        if deliverable == x_post:
            await do_report_insights(
                actor, gus, x_post, int(post["id"]), screenshot=insights_png(),
                numbers={"views": 8_400, "reach": None, "likes": 310, "comments": 22, "shares": 41, "saves": None},
                note="From X's post analytics, two days after posting.", storage=storage,
            )  # fmt: skip
