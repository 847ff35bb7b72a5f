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
    return PlatformApis(platforms.base_url, platforms.base_url, platforms.base_url)


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
    assert (await look_up_post(_apis(platforms), "x", "https://x.com/a/status/1", None)).outcome == "unsupported"
    assert (await look_up_post(_apis(platforms), "instagram", IG_URL, None)).outcome == "reconnect"
    profile = await look_up_post(_apis(platforms), "instagram", "https://www.instagram.com/jade/", jade["instagram"])
    assert profile.outcome == "not_found" and profile.detail == "the link names no post"
    # Nothing answers there at all: unreachable, never an exception.
    dead = PlatformApis("http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9")
    assert (await look_up_post(dead, "tiktok", TIKTOK_URL, jade["tiktok"])).outcome == "unreachable"
