"""Results rules, table-tested: the formulas in exact integers (rounded half up), the metrics schedule, what a
check found in words, and which post a live link names."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.content.disclosure import check_caption
from shared.integrations.platform_posts import PostRef, post_ref
from shared.results.queries import formulas
from shared.results.rules import (
    caption_problems,
    cpe_minor,
    cpm_minor,
    engagement_rate_bp,
    engagements,
    format_bp,
    next_read_at,
    outcome_of,
    read_offset,
)


@pytest.mark.parametrize(
    ("spend", "views", "cpm"),
    [
        (300_000, 120_400, 2_492),  # US$3,000 ÷ 120,400 × 1,000 = US$24.9169… → US$24.92
        (100, 3, 33_333),  # 100 × 1,000 ÷ 3 = 33,333.33 → 33,333
        (1, 2_000, 1),  # 0.5 → rounds half up to 1
        (1, 2_001, 0),
        (0, 10, 0),
        (5_000, 0, None),  # no views: not available, never a division by zero
        (5_000, None, None),
        (10**15, 7, 142_857_142_857_142_857),  # large sums stay exact (no float)
    ],
)
def test_cpm(spend: int, views: int | None, cpm: int | None) -> None:
    assert cpm_minor(spend, views) == cpm


@pytest.mark.parametrize(
    ("spend", "engaged", "cpe"),
    [(120_000, 1_559, 77), (120_000, 1_600, 75), (1, 2, 1), (1, 3, 0), (5_000, 0, None), (5_000, None, None)],
)
def test_cost_per_engagement(spend: int, engaged: int | None, cpe: int | None) -> None:
    assert cpe_minor(spend, engaged) == cpe


@pytest.mark.parametrize(
    ("engaged", "views", "bp", "text"),
    [(1_559, 12_400, 1_257, "12.57%"), (1, 3, 3_333, "33.33%"), (5, 1_000, 50, "0.50%"), (0, 10, 0, "0.00%"),
     (None, 10, None, "not available"), (5, 0, None, "not available")],
)  # fmt: skip
def test_engagement_rate(engaged: int | None, views: int | None, bp: int | None, text: str) -> None:
    assert engagement_rate_bp(engaged, views) == bp and format_bp(bp) == text


def test_engagements_count_only_what_the_platform_gives() -> None:
    assert engagements({"likes": 10, "comments": 2, "shares": None, "saves": None}) == 12
    assert engagements({"likes": None, "comments": None, "shares": None, "saves": None}) is None
    assert engagements({"likes": 0, "comments": None}) == 0


def test_every_formula_is_shown_with_its_numbers() -> None:
    shown = formulas(300_000, "USD", {"views": 120_400, "likes": 1_000, "comments": 59, "shares": None, "saves": 500})
    assert [(f.name, f.value) for f in shown] == [
        ("CPM (cost per 1,000 views)", "US$24.92"),
        ("Cost per engagement", "US$1.92"),
        ("Engagement rate", "1.29%"),
        ("Cost per click", "not available"),
    ]
    assert shown[3].how == "spend ÷ clicks on the tracked link = US$3,000.00 ÷ no tracked link"
    with_clicks = formulas(300_000, "USD", {"views": 1}, clicks=1_234)
    assert (with_clicks[3].value, with_clicks[3].how) == (
        "US$2.43",
        "spend ÷ clicks on the tracked link = US$3,000.00 ÷ 1,234",
    )
    assert shown[0].how == "spend ÷ views × 1,000 = US$3,000.00 ÷ 120,400 × 1,000"
    assert shown[1].how.startswith("spend ÷ engagements = US$3,000.00 ÷ 1,559")
    missing = formulas(300_000, "USD", {"views": None})
    assert [f.value for f in missing] == ["not available"] * 4
    assert "views not available" in missing[0].how


def test_metrics_are_read_at_1h_24h_7d_30d_then_weekly_until_90_days() -> None:
    hours = [read_offset(n) for n in range(4)]
    assert hours == [dt.timedelta(hours=1), dt.timedelta(hours=24), dt.timedelta(days=7), dt.timedelta(days=30)]
    assert read_offset(4) == dt.timedelta(days=37) and read_offset(11) == dt.timedelta(days=86)
    assert read_offset(12) is None
    live = dt.datetime(2026, 11, 1, 12, tzinfo=dt.UTC)
    assert next_read_at(live, 0) == dt.datetime(2026, 11, 1, 13, tzinfo=dt.UTC)


CAPTION = "#ad Trail day with my new pack from @acme #acmetrail"


def _problems(live: str) -> list[str]:
    result = check_caption(
        live, platform="instagram", kind="reel", required_hashtags=["acmetrail"], required_mentions=["acme"]
    )
    return caption_problems(CAPTION, live, result)


@pytest.mark.parametrize(
    ("live", "problems"),
    [
        (CAPTION, []),
        ("Trail day with my new pack from @acme #acmetrail", ["The live caption dropped #ad."]),
        ("#ad Trail day with my new pack", [
            "The live caption is missing #acmetrail, which the brief asks for.",
            "The live caption is missing @acme, which the brief asks for.",
        ]),
        ("#sponsored Trail day @acme #acmetrail", ["The live caption dropped #ad."]),
    ],
)  # fmt: skip
def test_a_live_caption_is_judged_against_the_approved_one(live: str, problems: list[str]) -> None:
    assert _problems(live) == problems


def test_a_caption_with_no_disclosure_at_all_says_so() -> None:
    result = check_caption("Trail day @acme #acmetrail", platform="tiktok", kind="post")
    assert caption_problems("Trail day", "Trail day @acme #acmetrail", result) == [
        "The live caption has no clear disclosure (#ad or “Paid partnership”)."
    ]


def test_each_outcome_is_said_in_words() -> None:
    assert outcome_of("found", platform="instagram", handle="alice").state == "verified"
    assert (
        outcome_of("not_found", platform="tiktok", handle="jade")
        .problems[0]
        .startswith("TikTok has no such post on @jade")
    )
    wrong = outcome_of("wrong_owner", platform="youtube", handle="Kai", owner="Other")
    assert wrong.state == "mismatch" and wrong.problems == (
        "This post is on @Other, not on @Kai, the account linked in Rapport.",
    )
    assert outcome_of("reconnect", platform="instagram", handle="a").state == "reconnect"
    assert (
        outcome_of("reconnect", platform="instagram", handle="")
        .problems[0]
        .startswith("No Instagram account is linked to this creator in Rapport")
    )
    assert outcome_of("rate_limited", platform="instagram", handle="a").state == "unreachable"
    assert outcome_of("unsupported", platform="x", handle="a").problems == (
        "Rapport can't read X posts: someone at the brand checks the post and marks it verified.",
    )


@pytest.mark.parametrize(
    ("platform", "url", "ref"),
    [
        ("instagram", "https://www.instagram.com/p/C0deAbc123/", PostRef("instagram", "C0deAbc123")),
        ("instagram", "https://www.instagram.com/reel/DAliceTrail1/?igsh=x", PostRef("instagram", "DAliceTrail1")),
        ("instagram", "https://www.instagram.com/alice.outdoors/", None),
        ("tiktok", "https://www.tiktok.com/@JadeVibes/video/7301234567890123456",
         PostRef("tiktok", "7301234567890123456", "jadevibes")),
        ("youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=5", PostRef("youtube", "dQw4w9WgXcQ")),
        ("youtube", "https://youtu.be/dQw4w9WgXcQ", PostRef("youtube", "dQw4w9WgXcQ")),
        ("youtube", "https://www.youtube.com/shorts/dQw4w9WgXcQ", PostRef("youtube", "dQw4w9WgXcQ")),
        ("youtube", "https://www.youtube.com/@kai", None),
        ("x", "https://x.com/gus/status/1", None),
    ],
)  # fmt: skip
def test_which_post_a_link_names(platform: str, url: str, ref: PostRef | None) -> None:
    assert post_ref(platform, url) == ref
