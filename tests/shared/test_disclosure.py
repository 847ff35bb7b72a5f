"""The disclosure and brief checks over a caption: one table per rule, every platform where it differs."""

from __future__ import annotations

import json

import pytest

from shared.content.disclosure import (
    DisclosurePolicySettings,
    DisclosureResult,
    Finding,
    check_caption,
    describe_rules,
    final_verdict,
    parse_policy_form,
    policy_to_form,
    with_confirmation,
)

PLATFORMS = ("instagram", "tiktok", "youtube", "x", "twitch")


def check(
    caption: str,
    platform: str = "instagram",
    kind: str = "post",
    *,
    required_hashtags: list[str] | None = None,
    required_mentions: list[str] | None = None,
    brand_handle: str | None = None,
    policy: DisclosurePolicySettings | None = None,
    content_type: str = "",
) -> DisclosureResult:
    return check_caption(
        caption,
        platform=platform,
        kind=kind,
        required_hashtags=required_hashtags or [],
        required_mentions=required_mentions or [],
        brand_handle=brand_handle,
        policy=policy,
        content_type=content_type,
    )


# --- a clear disclosure term ------------------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    "caption",
    [
        "#ad Trail 2 goes everywhere I go",
        "#AD Trail 2 goes everywhere",
        "#Ad. Trail 2 goes everywhere",
        "Trail 2, #ad, goes everywhere",
        "#sponsored Trail 2",
        "#advertisement Trail 2",
        "#paidpartnership Trail 2",
        "Paid partnership with @acme: Trail 2",
        "Sponsored by @acme — Trail 2",
        "Ad: Trail 2 goes everywhere",
        "AD | Trail 2 goes everywhere",
        "[Ad] Trail 2 goes everywhere",
        "Trail 2 (ad) goes everywhere",
        "#anzeige Trail 2",
        "#Werbung Trail 2",
        "#publicidad Trail 2",
        "#pub Trail 2",
        "Bezahlte Partnerschaft mit @acme",
        "Hiking day!\n#ad",
    ],
)
def test_it_passes_a_clear_disclosure_at_the_start(caption: str, platform: str) -> None:
    result = check(caption, platform)
    assert result.verdict == "pass", result.findings
    assert result.codes() == ["disclosure_found"]


@pytest.mark.parametrize(
    "caption",
    [
        "Loving my #adventure",
        "#adidas fits",
        "#advent calendar time",
        "#ads4free",  # a different tag that only starts like one
        "#sponsoredcontent_not",
        "I read an ad about this",  # the word alone is not the label
        "Ad-free living with Trail 2",
        "email me at me@ad.com",
        "Not sponsored by anyone, I just love it",
        "This is non-sponsored by choice, no paid partnership here",
        "see example.com/#ad",
        "",
        "   ",
    ],
)
def test_it_blocks_when_nothing_discloses(caption: str) -> None:
    result = check(caption)
    assert result.verdict == "block"
    assert result.codes() == ["disclosure_missing"]
    assert "Add #ad at the start of the caption" in result.findings[0].message


def test_it_suggests_the_brands_partnership_label_when_it_knows_the_handle() -> None:
    result = check("Nice pack", brand_handle="@acme")
    assert "#ad or “Paid partnership with @acme”" in result.findings[0].message


def test_it_warns_when_the_partnership_names_another_account() -> None:
    result = check("Paid partnership with @globex. Trail 2", brand_handle="acme")
    assert result.verdict == "warn"
    assert "partnership_other_brand" in result.codes()
    assert check("Paid partnership with @ACME. Trail 2", brand_handle="@acme").verdict == "pass"


# --- unclear tags and gifts -------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["#sp", "#spon", "#collab", "#partner", "#ambassador", "#thanks", "#SP", "#sp."])
def test_it_blocks_an_unclear_tag_alone(tag: str) -> None:
    result = check(f"{tag} Trail 2 is great")
    assert result.verdict == "block"
    assert result.codes() == ["ambiguous_only"]
    assert "doesn't tell readers this is paid" in result.findings[0].message


def test_it_accepts_an_unclear_tag_beside_a_clear_one() -> None:
    result = check("#ad #collab Trail 2")
    assert result.verdict == "pass"
    assert result.codes() == ["disclosure_found", "ambiguous_with_disclosure"]


def test_it_warns_that_gifted_is_not_a_paid_disclosure() -> None:
    result = check("#gifted Trail 2 came today")
    assert result.verdict == "warn" and result.codes() == ["gift_only"]
    assert "If this is a paid partnership, add #ad" in result.findings[0].message
    assert check("#ad #gifted Trail 2").verdict == "pass"


# --- placement: the platform's cut and the trailing hashtag block ------------------------------------

LONG = "Trail 2 has been everywhere with me this month, from the ridge to the river and back again. " * 3


@pytest.mark.parametrize(
    ("platform", "offset", "verdict"),
    [
        ("instagram", 100, "pass"),
        ("instagram", 121, "pass"),  # "#ad" ends at 124: inside the 125 characters
        ("instagram", 123, "warn"),  # ends at 126: cut
        ("instagram", 200, "warn"),
        ("tiktok", 90, "pass"),
        ("tiktok", 110, "warn"),
        ("youtube", 110, "warn"),
        ("x", 200, "pass"),  # X shows a whole post
        ("twitch", 130, "pass"),  # a stream title is shown whole
    ],
)
def test_it_warns_when_the_disclosure_is_after_the_cut(platform: str, offset: int, verdict: str) -> None:
    caption = "x" * offset + " #ad"
    result = check(caption, platform)
    assert result.verdict == verdict, result.findings
    if verdict == "warn":
        assert result.codes() == ["after_truncation"]


def test_it_says_where_instagram_cuts_the_caption() -> None:
    result = check(LONG[:200] + " #ad")
    assert result.findings[0].message.startswith("Move #ad into the first 125 characters (3 lines)")
    assert "Instagram cuts the caption there" in result.findings[0].message


def test_it_counts_lines_as_well_as_characters() -> None:
    assert check("Day one\nDay two\nDay three\n#ad").verdict == "warn"  # line 4 on Instagram
    assert check("Day one\nDay two\n#ad").verdict == "pass"
    assert check("Day one\nDay two\n#ad", "tiktok").verdict == "warn"  # TikTok shows two lines


@pytest.mark.parametrize(
    ("caption", "verdict"),
    [
        ("Best hike of the year #ad #hiking #outdoors #trail", "warn"),
        ("Best hike of the year #hiking #outdoors #ad", "warn"),
        ("Best hike of the year\n\n#hiking · #outdoors · @acme · #ad", "warn"),
        ("Best hike of the year #hiking#outdoors#ad", "warn"),
        ("#ad Best hike of the year #hiking #outdoors #trail", "pass"),  # disclosed at the start too
        ("Best hike of the year #ad #hiking", "pass"),  # two tags are not a tag cloud
        ("Best hike #ad of the year #hiking #outdoors #trail", "pass"),  # in the text, not the block
        ("#ad #hiking #outdoors #trail", "pass"),  # nothing but tags: the #ad is the first thing read
    ],
)
def test_it_warns_when_the_disclosure_is_only_in_the_trailing_hashtags(caption: str, verdict: str) -> None:
    result = check(caption)
    assert result.verdict == verdict, result.findings
    if verdict == "warn":
        assert result.codes() == ["in_hashtag_block"]
        assert "only in the hashtags at the end" in result.findings[0].message


def test_it_blocks_placement_when_the_brand_is_strict() -> None:
    strict = DisclosurePolicySettings(strict_placement=True)
    assert check("x" * 200 + " #ad", policy=strict).verdict == "block"
    assert check("Best hike #hiking #outdoors #ad", policy=strict).verdict == "block"
    assert check("#ad Best hike", policy=strict).verdict == "pass"


def test_it_uses_the_brands_cut_off() -> None:
    tighter = DisclosurePolicySettings(truncation_overrides={"instagram": 50})
    caption = "x" * 60 + " #ad"
    assert check(caption).verdict == "pass"
    result = check(caption, policy=tighter)
    assert result.verdict == "warn" and "first 50 characters" in result.findings[0].message


# --- the brief's hashtags and mentions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("caption", "hashtags", "mentions", "missing"),
    [
        ("#ad Trail 2 #acmetrail @acme", ["#acmetrail"], ["@acme"], []),
        ("#ad Trail 2 #AcmeTrail @ACME.", ["#acmetrail"], ["@acme"], []),
        ("#ad Trail 2 @acme", ["#acmetrail"], ["@acme"], ["missing_hashtag"]),
        ("#ad Trail 2 #acmetrail", ["acmetrail"], ["acme"], ["missing_mention"]),
        ("#ad Trail 2 #acmetrail2 @acmeshop", ["#acmetrail"], ["@acme"], ["missing_hashtag", "missing_mention"]),
        ("#ad Trail 2 me@acme.com #acmetrail", ["#acmetrail"], ["@acme"], ["missing_mention"]),  # an email
    ],
)
def test_it_warns_about_what_the_brief_asks_for(
    caption: str, hashtags: list[str], mentions: list[str], missing: list[str]
) -> None:
    result = check(caption, required_hashtags=hashtags, required_mentions=mentions)
    assert [code for code in result.codes() if code.startswith("missing")] == missing
    assert result.verdict == ("warn" if missing else "pass")


def test_it_says_which_tag_is_missing() -> None:
    result = check("#ad Trail 2", required_hashtags=["#acmetrail"], required_mentions=["@acme"])
    messages = [f.message for f in result.findings]
    assert "Add #acmetrail to the caption: the brief asks for it." in messages
    assert "Mention @acme to the caption: the brief asks for it." in messages


def test_it_blocks_a_missing_tag_when_the_brand_says_so() -> None:
    policy = DisclosurePolicySettings(missing_required_blocks=True)
    result = check("#ad Trail 2", required_mentions=["@acme"], policy=policy)
    assert result.verdict == "block" and result.codes() == ["disclosure_found", "missing_mention"]


# --- the brand's own terms and tags -----------------------------------------------------------------


def test_it_accepts_the_brands_extra_terms() -> None:
    policy = DisclosurePolicySettings(extra_terms=("#anuncio", "Werbung:", "bezahlte Anzeige"))
    assert check("#anuncio Trail 2").verdict == "block"
    assert check("#anuncio Trail 2", policy=policy).verdict == "pass"
    assert check("#ANUNCIO, Trail 2", policy=policy).verdict == "pass"
    assert check("Werbung: Trail 2", policy=policy).verdict == "pass"
    assert check("Eine bezahlte  Anzeige für Trail 2", policy=policy).verdict == "pass"
    assert check("#anuncios Trail 2", policy=policy).verdict == "block"


def test_it_refuses_the_brands_extra_unclear_tags() -> None:
    policy = DisclosurePolicySettings(extra_ambiguous_tags=("#gifted", "#brandfriend"))
    assert check("#gifted Trail 2", policy=policy).codes() == ["ambiguous_only"]
    assert check("#brandfriend Trail 2", policy=policy).verdict == "block"
    assert check("#brandfriend Trail 2").verdict == "block"  # no disclosure at all either way
    assert check("#brandfriend Trail 2").codes() == ["disclosure_missing"]


# --- video and stories: on-screen and spoken ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "content_type", "needs"),
    [
        ("reel", "", True),
        ("video", "", True),
        ("short", "", True),
        ("stream", "", True),
        ("story", "", True),
        ("story", "image/jpeg", True),
        ("post", "", False),
        ("post", "image/jpeg", False),
        ("post", "video/mp4", True),
    ],
)
def test_it_asks_video_and_stories_for_spoken_disclosure(kind: str, content_type: str, needs: bool) -> None:
    assert check("#ad Trail 2", kind=kind, content_type=content_type).needs_spoken_confirmation is needs


def test_it_blocks_an_unconfirmed_video_until_confirmed() -> None:
    result = check("#ad Trail 2", "youtube", "video")
    assert result.verdict == "pass"
    assert final_verdict(result, confirmed=False) == "block"
    assert final_verdict(result, confirmed=True) == "pass"
    shown = with_confirmation(result, confirmed=False)
    assert shown.codes()[-1] == "spoken_disclosure_unconfirmed" and "out loud" in shown.findings[-1].message
    assert with_confirmation(result, confirmed=True) is result


def test_it_never_lets_confirmation_lift_a_caption_block() -> None:
    result = check("Trail 2", "tiktok", "reel")
    assert final_verdict(result, confirmed=True) == "block"


def test_it_does_not_block_an_image_post_for_confirmation() -> None:
    result = check("#ad Trail 2", kind="post", content_type="image/jpeg")
    assert final_verdict(result, confirmed=False) == "pass"


def test_it_leaves_a_captionless_story_to_the_on_screen_disclosure() -> None:
    result = check("", kind="story", required_mentions=["@acme"])
    assert result.codes() == ["story_on_screen", "missing_mention"]
    assert result.verdict == "warn" and "on the story (text or sticker)" in result.findings[1].message
    assert final_verdict(result, confirmed=False) == "block"
    assert check("Trail 2", kind="story").verdict == "block"  # a story with text is checked like a caption


# --- storing results -------------------------------------------------------------------------------


def test_it_round_trips_a_result_through_json() -> None:
    result = check("#sp Trail 2", "tiktok", "reel", required_hashtags=["#acmetrail"])
    stored = json.loads(json.dumps(result.to_json()))
    assert stored["verdict"] == "block" and stored["version"] == 1
    assert stored["findings"][0] == {
        "code": "ambiguous_only",
        "severity": "block",
        "message": result.findings[0].message,
    }
    assert DisclosureResult.from_json(stored) == result
    assert DisclosureResult.from_json(json.dumps(stored)) == result  # JSONB read as text


def test_it_reads_the_columns_default_and_bare_lists() -> None:
    assert DisclosureResult.from_json([]) == DisclosureResult("pass")
    assert DisclosureResult.from_json(None).verdict == "pass"
    bare = DisclosureResult.from_json([{"code": "x", "severity": "warn", "message": "m"}])
    assert bare.verdict == "warn" and bare.findings == (Finding("x", "warn", "m"),)


# --- the brand's settings form ----------------------------------------------------------------------


def test_it_parses_and_shows_the_settings_form() -> None:
    form = {
        "extra_terms": "#anuncio\n Werbung: \n#ANUNCIO",
        "extra_ambiguous_tags": "gifted, #brandfriend",
        "truncate_instagram": "110",
        "truncate_tiktok": "100",  # the default: not an override
        "truncate_x": "10",  # X shows a whole post: nothing to tune, ignored
        "strict_placement": "1",
    }
    policy, errors = parse_policy_form(form)
    assert errors == {} and policy is not None
    assert policy.extra_terms == ("#anuncio", "Werbung:")
    assert policy.extra_ambiguous_tags == ("#gifted", "#brandfriend")
    assert dict(policy.truncation_overrides) == {"instagram": 110}
    assert policy.strict_placement and not policy.missing_required_blocks
    assert parse_policy_form(policy_to_form(policy)) == (policy, {})
    assert DisclosurePolicySettings.from_json(json.dumps(policy.to_json())) == policy


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"extra_terms": "#sp"}, "extra_terms", "#sp is one of the tags readers don't understand"),
        ({"extra_terms": "#ad-hoc"}, "extra_terms", "is not a hashtag"),
        ({"extra_terms": "x"}, "extra_terms", "too short"),
        ({"extra_terms": "y" * 61}, "extra_terms", "under 60 characters"),
        ({"extra_ambiguous_tags": "#sponsored"}, "extra_ambiguous_tags", "is a clear disclosure"),
        ({"extra_ambiguous_tags": "#a-b"}, "extra_ambiguous_tags", "is not a hashtag"),
        (
            {"extra_terms": "#promo", "extra_ambiguous_tags": "#promo"},
            "extra_ambiguous_tags",
            "also in your accepted terms",
        ),
        ({"truncate_instagram": "10"}, "truncate_instagram", "between 20 and 5000"),
        ({"truncate_youtube": "many"}, "truncate_youtube", "or leave it empty for 100"),
    ],
)
def test_it_refuses_a_bad_settings_form(form: dict[str, str], field: str, message: str) -> None:
    policy, errors = parse_policy_form(form)
    assert policy is None and message in errors[field]


def test_it_describes_the_rules_in_plain_words() -> None:
    rules = {rule.platform: rule.sentences for rule in describe_rules()}
    assert rules["instagram"][0].startswith("Instagram shows about the first 125 characters or 3 lines")
    assert "is a warning" in rules["instagram"][0]
    assert rules["x"][0] == "X shows the whole post (up to 280 characters)."
    strict = {rule.platform: rule.sentences for rule in describe_rules(DisclosurePolicySettings(strict_placement=True))}
    assert "blocks" in strict["tiktok"][0]


def test_it_asks_for_a_required_ad_tag_once() -> None:
    """The brief requires #ad and the caption has no disclosure: one line says so, not a block and a warning."""
    result = check("Sunrise on the ridge", required_hashtags=["#ad", "#acmetrail"], brand_handle="acme")
    assert result.codes() == ["disclosure_missing", "missing_hashtag"]
    assert result.findings[0].message.startswith("Add #ad")
    assert "#acmetrail" in result.findings[1].message
