"""The platform clients (shared.integrations.platform_posts) against the stand-in over real HTTP, every platform
and every answer: found (with the caption and numbers), not found, someone else's, an expired token (reconnect),
rate-limited, down; and what is not read at all."""

from __future__ import annotations

import pytest

from shared.integrations.platform_posts import Account, PlatformApis, PostNumbers, look_up_post
from shared.integrations.platform_simulator import SimPost
from tests.results_fixtures import Platforms

TIKTOK_URL = "https://www.tiktok.com/@jadevibes/video/7301234567890123456"
YOUTUBE_URL = "https://youtu.be/dQw4w9WgXcQ"
IG_URL = "https://www.instagram.com/p/CJadePost01/"
CAPTION = "#ad Camp night with @acme #acmetrail"


def _apis(platforms: Platforms) -> PlatformApis:
    return PlatformApis.all_at(platforms.base_url)


@pytest.fixture
def jade(platforms: Platforms) -> dict[str, Account]:
    platforms.simulator.grant("act.tiktok-jade", "tiktok", "open-jade")
    platforms.simulator.grant("ya29.jade", "youtube", "g-jade")
    platforms.simulator.grant("IGQWRjade", "instagram", "ig-jade")
    return {
        "tiktok": Account("open-jade", "jadevibes", "act.tiktok-jade"),
        "youtube": Account("g-jade", "JadeVibes", "ya29.jade"),
        "instagram": Account("ig-jade", "jade.vibes", "IGQWRjade"),
    }


async def test_tiktok_found_with_its_numbers(platforms: Platforms, jade: dict[str, Account]) -> None:
    numbers = {"views": 40_000, "likes": 3_100, "comments": 210, "shares": 95}
    platforms.simulator.add_post(SimPost("tiktok", "7301234567890123456", "open-jade", "jadevibes", CAPTION,
                                         numbers=numbers))  # fmt: skip
    found = await look_up_post(_apis(platforms), "tiktok", TIKTOK_URL, jade["tiktok"])
    assert found.outcome == "found" and found.caption == CAPTION and found.source == "TikTok Display API"
    assert found.numbers == PostNumbers(views=40_000, likes=3_100, comments=210, shares=95)  # no reach, no saves


async def test_tiktok_someone_elses_video_and_a_missing_one(platforms: Platforms, jade: dict[str, Account]) -> None:
    platforms.simulator.add_post(SimPost("tiktok", "7301234567890123456", "open-other", "othercreator", CAPTION))
    other = "https://www.tiktok.com/@othercreator/video/7301234567890123456"
    wrong = await look_up_post(_apis(platforms), "tiktok", other, jade["tiktok"])
    assert wrong.outcome == "wrong_owner" and wrong.owner == "othercreator"
    missing = await look_up_post(_apis(platforms), "tiktok", TIKTOK_URL, jade["tiktok"])
    assert missing.outcome == "not_found"


async def test_tiktok_refusals(platforms: Platforms, jade: dict[str, Account]) -> None:
    platforms.simulator.state.expired.add("act.tiktok-jade")
    expired = await look_up_post(_apis(platforms), "tiktok", TIKTOK_URL, jade["tiktok"])
    assert expired.outcome == "reconnect" and "access token is invalid" in expired.detail
    platforms.simulator.state.expired.clear()
    platforms.simulator.state.rate_limited.add("tiktok")
    assert (await look_up_post(_apis(platforms), "tiktok", TIKTOK_URL, jade["tiktok"])).outcome == "rate_limited"
    platforms.simulator.state.rate_limited.clear()
    platforms.simulator.state.down.add("tiktok")
    assert (await look_up_post(_apis(platforms), "tiktok", TIKTOK_URL, jade["tiktok"])).outcome == "unreachable"


async def test_youtube_found_hidden_likes_stay_missing(platforms: Platforms, jade: dict[str, Account]) -> None:
    platforms.simulator.add_post(SimPost("youtube", "dQw4w9WgXcQ", "g-jade", "JadeVibes", "Camp night #ad\\n@acme",
                                         numbers={"views": 8_800, "comments": 40}))  # fmt: skip
    found = await look_up_post(_apis(platforms), "youtube", YOUTUBE_URL, jade["youtube"])
    assert found.outcome == "found" and found.numbers == PostNumbers(views=8_800, comments=40)
    assert found.numbers.likes is None  # the channel hides its likes: not given, not 0


async def test_youtube_refusals(platforms: Platforms, jade: dict[str, Account]) -> None:
    platforms.simulator.add_post(SimPost("youtube", "dQw4w9WgXcQ", "g-jade", "JadeVibes", CAPTION))
    platforms.simulator.state.rate_limited.add("youtube")
    quota = await look_up_post(_apis(platforms), "youtube", YOUTUBE_URL, jade["youtube"])
    assert quota.outcome == "rate_limited" and "quota" in quota.detail
    platforms.simulator.state.rate_limited.clear()
    platforms.simulator.state.expired.add("ya29.jade")
    assert (await look_up_post(_apis(platforms), "youtube", YOUTUBE_URL, jade["youtube"])).outcome == "reconnect"
    unknown = await look_up_post(_apis(platforms), "youtube", "https://youtu.be/AAAAAAAAAAA", jade["youtube"])
    assert unknown.outcome == "reconnect"  # still expired: the token is refused before the video is looked for


async def test_instagram_paths(platforms: Platforms, jade: dict[str, Account]) -> None:
    numbers = {"likes": 5, "views": 90, "saves": 2}
    post = SimPost("instagram", "17900000000000099", "ig-jade", "jade.vibes", CAPTION, "CJadePost01", numbers)
    platforms.simulator.add_post(post)
    found = await look_up_post(_apis(platforms), "instagram", IG_URL, jade["instagram"])
    assert found.outcome == "found" and found.post_id == "17900000000000099" and found.owner == "jade.vibes"
    assert found.numbers == PostNumbers(views=90, likes=5, saves=2)
    platforms.simulator.state.down.add("instagram")
    assert (await look_up_post(_apis(platforms), "instagram", IG_URL, jade["instagram"])).outcome == "unreachable"


async def test_what_is_not_read(platforms: Platforms, jade: dict[str, Account]) -> None:
    assert (await look_up_post(_apis(platforms), "facebook", "https://fb.com/a/posts/1", None)).outcome == "unsupported"
    assert (await look_up_post(_apis(platforms), "x", "https://x.com/a/status/123456", None)).outcome == "reconnect"
    assert (await look_up_post(_apis(platforms), "instagram", IG_URL, None)).outcome == "reconnect"
    profile = await look_up_post(_apis(platforms), "instagram", "https://www.instagram.com/jade/", jade["instagram"])
    assert profile.outcome == "not_found" and profile.detail == "the link names no post"
    # Nothing answers there at all: unreachable, never an exception.
    dead = PlatformApis.all_at("http://127.0.0.1:9")
    assert (await look_up_post(dead, "tiktok", TIKTOK_URL, jade["tiktok"])).outcome == "unreachable"


# --- X (oEmbed) -------------------------------------------------------------------------------------------

X_URL = "https://x.com/jadevibes/status/1861234567890123456"
X_JADE = Account("x-jade", "JadeVibes", "")  # oEmbed is public: no token needed, only the linked handle


def _tweet(caption: str = CAPTION, handle: str = "jadevibes") -> SimPost:
    return SimPost("x", "1861234567890123456", f"x-{handle}", handle, caption)


@pytest.mark.parametrize(
    ("case", "post", "url", "outcome", "caption", "owner"),
    [
        ("found", _tweet(), X_URL, "found", CAPTION, "jadevibes"),
        ("found, twitter.com link", _tweet(), "https://twitter.com/JadeVibes/status/1861234567890123456",
         "found", CAPTION, "jadevibes"),
        ("caption changed", _tweet("Camp night with @acme #acmetrail"), X_URL, "found",
         "Camp night with @acme #acmetrail", "jadevibes"),
        ("two lines, entities", _tweet("Tom & Jerry <3 #ad\nwith @acme"), X_URL, "found",
         "Tom & Jerry <3 #ad\nwith @acme", "jadevibes"),
        ("not found", None, X_URL, "not_found", "", ""),
        ("wrong owner", _tweet(handle="othercreator"), "https://x.com/othercreator/status/1861234567890123456",
         "wrong_owner", "", "othercreator"),
        ("a profile, not a post", _tweet(), "https://x.com/jadevibes", "not_found", "", ""),
    ],
)  # fmt: skip
async def test_x_oembed(
    platforms: Platforms, case: str, post: SimPost | None, url: str, outcome: str, caption: str, owner: str
) -> None:
    if post is not None:
        platforms.simulator.add_post(post)
    found = await look_up_post(_apis(platforms), "x", url, X_JADE)
    assert (found.outcome, found.caption, found.owner) == (outcome, caption, owner), case
    assert found.numbers == PostNumbers()  # oEmbed gives no numbers: every one "not available", never 0


@pytest.mark.parametrize(("switch", "outcome"), [("rate_limited", "rate_limited"), ("down", "unreachable")])
async def test_x_refusals(platforms: Platforms, switch: str, outcome: str) -> None:
    platforms.simulator.add_post(_tweet())
    getattr(platforms.simulator.state, switch).add("x")
    assert (await look_up_post(_apis(platforms), "x", X_URL, X_JADE)).outcome == outcome


# --- Twitch (Helix) ---------------------------------------------------------------------------------------

TWITCH_VIDEO = "https://www.twitch.tv/videos/2291234567"
TWITCH_CLIP = "https://clips.twitch.tv/CamperNightTrailPackAcme-a1B2c3D4"
TWITCH_CHANNEL_CLIP = "https://www.twitch.tv/jadevibes/clip/CamperNightTrailPackAcme-a1B2c3D4"
TWITCH_JADE = Account("141981764", "jadevibes", "twitch-jade-token")


def _vod(owner: str = "141981764", caption: str = "Camp night #ad\nWith @acme #acmetrail") -> SimPost:
    return SimPost("twitch", "2291234567", owner, "jadevibes" if owner == "141981764" else "othercreator", caption,
                   numbers={"views": 5_310})  # fmt: skip


def _clip(owner: str = "141981764") -> SimPost:
    return SimPost("twitch", "CamperNightTrailPackAcme-a1B2c3D4", owner, "JadeVibes", "Best of camp night #ad @acme",
                   numbers={"views": 902}, kind="clip")  # fmt: skip


@pytest.mark.parametrize(
    ("case", "post", "url", "outcome", "caption", "views"),
    [
        ("video found", _vod(), TWITCH_VIDEO, "found", "Camp night #ad\nWith @acme #acmetrail", 5_310),
        ("caption changed", _vod(caption="Camp night\nWith @acme"), TWITCH_VIDEO, "found",
         "Camp night\nWith @acme", 5_310),
        ("clip found", _clip(), TWITCH_CLIP, "found", "Best of camp night #ad @acme", 902),
        ("clip on the channel's page", _clip(), TWITCH_CHANNEL_CLIP, "found", "Best of camp night #ad @acme", 902),
        ("video not found", None, TWITCH_VIDEO, "not_found", "", None),
        ("clip not found", None, TWITCH_CLIP, "not_found", "", None),
        ("someone else's video", _vod(owner="99"), TWITCH_VIDEO, "wrong_owner", "", None),
        ("someone else's clip", _clip(owner="99"), TWITCH_CLIP, "wrong_owner", "", None),
        ("a channel, not a video", _vod(), "https://www.twitch.tv/jadevibes", "not_found", "", None),
    ],
)  # fmt: skip
async def test_twitch_helix(
    platforms: Platforms, case: str, post: SimPost | None, url: str, outcome: str, caption: str, views: int | None
) -> None:
    platforms.simulator.grant("twitch-jade-token", "twitch", "141981764")
    if post is not None:
        platforms.simulator.add_post(post)
    found = await look_up_post(_apis(platforms), "twitch", url, TWITCH_JADE)
    assert (found.outcome, found.caption) == (outcome, caption), case
    assert found.numbers == PostNumbers(views=views)  # only views: likes, comments… "not available", never 0


@pytest.mark.parametrize(
    ("setup", "outcome"),
    [("expired", "reconnect"), ("rate_limited", "rate_limited"), ("down", "unreachable"), ("unknown", "reconnect")],
)
async def test_twitch_refusals(platforms: Platforms, setup: str, outcome: str) -> None:
    platforms.simulator.add_post(_vod())
    if setup != "unknown":  # a token Twitch doesn't know answers as an expired one does
        platforms.simulator.grant("twitch-jade-token", "twitch", "141981764")
    if setup == "expired":
        platforms.simulator.state.expired.add("twitch-jade-token")
    elif setup in ("rate_limited", "down"):
        getattr(platforms.simulator.state, setup).add("twitch")
    assert (await look_up_post(_apis(platforms), "twitch", TWITCH_VIDEO, TWITCH_JADE)).outcome == outcome


async def test_twitch_without_a_client_id_or_a_token(platforms: Platforms) -> None:
    platforms.simulator.add_post(_vod())
    no_client = PlatformApis.all_at(platforms.base_url, twitch_client_id="")
    assert (await look_up_post(no_client, "twitch", TWITCH_VIDEO, TWITCH_JADE)).outcome == "unsupported"
    tokenless = Account("141981764", "jadevibes", "")
    assert (await look_up_post(_apis(platforms), "twitch", TWITCH_VIDEO, tokenless)).outcome == "reconnect"
