"""The demo's results: Acme's live posts put on the platforms' stand-in and checked through the real job code, so
the Results pages show each state — verified with a month of readings, a caption that dropped #ad, a creator
with no Instagram account linked (one verified by hand by Rita), and a post still waiting for its first check.

Runs only when the stand-in is configured (RAPPORT_PLATFORM_API_BASE, which `rapport demo` sets). The Spring
trail posts are moved back 40 days (as the rest of the demo's history is) and read at each scheduled moment.
"""

from __future__ import annotations

import datetime as dt

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
