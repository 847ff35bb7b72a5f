"""Results rules, table-tested: the formulas in exact integers (rounded half up), the metrics schedule, what a
check found in words, and which post a live link names."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.content.disclosure import check_caption
from shared.integrations.platform_posts import PostRef, post_ref
from shared.results.queries import Conversions, formulas
from shared.results.rules import (
    MediaRates,
    ParsedOrder,
    caption_problems,
    cpa_minor,
    cpe_minor,
    cpm_minor,
    engagement_rate_bp,
    engagements,
    format_bp,
    format_signed_bp,
    media_value_minor,
    next_read_at,
    outcome_of,
    parse_order_row,
    read_offset,
    roi_bp,
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
        ("Cost per acquisition", "not available"),
        ("Return on investment (ROI)", "not available"),
        ("Earned media value", "not available"),
    ]
    assert shown[6].how.startswith("no rates set")
    assert shown[3].how == "spend ÷ clicks on the tracked link = US$3,000.00 ÷ no tracked link"
    with_clicks = formulas(300_000, "USD", {"views": 1}, clicks=1_234)
    assert (with_clicks[3].value, with_clicks[3].how) == (
        "US$2.43",
        "spend ÷ clicks on the tracked link = US$3,000.00 ÷ 1,234",
    )
    assert shown[0].how == "spend ÷ views × 1,000 = US$3,000.00 ÷ 120,400 × 1,000"
    assert shown[1].how.startswith("spend ÷ engagements = US$3,000.00 ÷ 1,559")
    missing = formulas(300_000, "USD", {"views": None})
    assert [f.value for f in missing] == ["not available"] * 7
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


@pytest.mark.parametrize(
    ("spend", "orders", "cpa"),
    [(300_000, 120, 2_500), (100, 3, 33), (101, 2, 51), (300_000, 0, None), (300_000, None, None)],
)
def test_cost_per_acquisition(spend: int, orders: int | None, cpa: int | None) -> None:
    assert cpa_minor(spend, orders) == cpa


@pytest.mark.parametrize(
    ("revenue", "spend", "bp", "text"),
    [
        (450_000, 300_000, 5_000, "50.00%"),  # made half as much again as it cost
        (300_000, 300_000, 0, "0.00%"),
        (150_000, 300_000, -5_000, "−50.00%"),
        (1, 300_000, -10_000, "−100.00%"),  # −99.9997% rounds to −100.00%
        (200_010, 200_000, 1, "0.01%"),  # 0.005% (half a basis point) rounds away from zero: 0.01%
        (199_990, 200_000, -1, "−0.01%"),
        (200_009, 200_000, 0, "0.00%"),
        (None, 300_000, None, "not available"),  # no discount code: no revenue to compare
        (10_000, 0, None, "not available"),  # nothing spent yet
    ],
)
def test_return_on_investment(revenue: int | None, spend: int, bp: int | None, text: str) -> None:
    assert roi_bp(revenue, spend) == bp and format_signed_bp(bp) == text


RATES = MediaRates("USD", per_thousand_views_minor=800, per_engagement_minor=10, per_click_minor=50)


@pytest.mark.parametrize(
    ("rates", "views", "engaged", "clicks", "emv"),
    [
        (RATES, 120_400, 1_559, 30, 96_320 + 15_590 + 1_500),  # 120.4 × $8 + 1,559 × $0.10 + 30 × $0.50
        (RATES, 1_001, None, None, 801),  # 1.001 × 800 = 800.8 → 801 (half up)
        (MediaRates("USD", per_thousand_views_minor=800), None, 10, 10, None),  # no part has both
        (MediaRates("USD"), 1_000, 10, 10, None),  # no rate set
        (None, 1_000, 10, 10, None),
    ],
)
def test_earned_media_value(
    rates: MediaRates | None, views: int | None, engaged: int | None, clicks: int | None, emv: int | None
) -> None:
    assert media_value_minor(rates, views, engaged, clicks) == emv


def test_conversions_and_media_value_show_their_numbers_and_rates() -> None:
    shown = formulas(300_000, "USD", {"views": 120_400, "likes": 1_559}, clicks=30,
                     conversions=Conversions(orders=120, revenue_minor=450_000), rates=RATES)  # fmt: skip
    by_name = {f.name: f for f in shown}
    cpa, roi, emv = (
        by_name["Cost per acquisition"],
        by_name["Return on investment (ROI)"],
        by_name["Earned media value"],
    )
    assert (cpa.value, cpa.how) == ("US$25.00", "spend ÷ orders = US$3,000.00 ÷ 120 orders with the creators' codes")
    assert roi.value == "50.00%" and roi.how.startswith("(revenue − spend) ÷ spend = (US$4,500.00 − US$3,000.00)")
    assert emv.value == "US$1,134.10"
    assert emv.how == (
        "120,400 views ÷ 1,000 × US$8.00 + 1,559 engagements × US$0.10 + 30 clicks × US$0.50 (the brand's rates: "
        "US$8.00 per 1,000 views, US$0.10 per engagement, US$0.50 per click)"
    )
    other = formulas(300_000, "EUR", {"views": 1}, rates=RATES)
    assert other[-1].how == "the rates are in USD; this campaign is in EUR"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"order_id": "1001", "code": " alice10 ", "amount": "49.90", "currency": "usd", "ordered_at": "2026-11-02"},
         ParsedOrder("1001", "ALICE10", 4_990, "USD", dt.datetime(2026, 11, 2, tzinfo=dt.UTC))),
        ({"order_id": "1002", "code": "ALICE10", "amount": "1,250", "currency": "JPY",
          "ordered_at": "2026-11-02T10:30:00+01:00"},
         ParsedOrder("1002", "ALICE10", 1_250, "JPY",
                     dt.datetime(2026, 11, 2, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))),
        ({"order_id": "", "code": "A", "amount": "1", "currency": "USD", "ordered_at": "2026-11-02"},
         "Line 7: order_id is missing or longer than 100 characters."),
        ({"order_id": "9", "code": "a b", "amount": "1", "currency": "USD", "ordered_at": "2026-11-02"},
         "Line 7: A code is up to 40 letters, digits, - or _."),
        ({"order_id": "9", "code": "A", "amount": "12.345", "currency": "USD", "ordered_at": "2026-11-02"},
         "Line 7: USD amounts have at most 2 decimals."),
        ({"order_id": "9", "code": "A", "amount": "-5", "currency": "USD", "ordered_at": "2026-11-02"},
         "Line 7: amount must be zero or more (refunds are left out of the import)."),
        ({"order_id": "9", "code": "A", "amount": "ten", "currency": "USD", "ordered_at": "2026-11-02"},
         "Line 7: amount “ten” is not a number like 49.90."),
        ({"order_id": "9", "code": "A", "amount": "1", "currency": "US", "ordered_at": "2026-11-02"},
         "Line 7: currency must be a three-letter code like USD."),
        ({"order_id": "9", "code": "A", "amount": "1", "currency": "USD", "ordered_at": "yesterday"},
         "Line 7: ordered_at must be a date like 2026-11-28 or 2026-11-28T14:05:00Z."),
    ],
)  # fmt: skip
def test_an_order_line_is_read_or_refused_in_words(row: dict[str, str], expected: object) -> None:
    assert parse_order_row(row, 7) == expected
