"""CRM rules: stage moves, prospect input, tags, notes, roster filters from a query string."""

from __future__ import annotations

import pytest

from shared.crm.rules import (
    STAGES,
    RosterFilters,
    can_edit_roster,
    creator_invitation_state,
    note_problem,
    parse_count,
    parse_roster_filters,
    parse_tags,
    stage_moves,
    stage_problem,
    validate_prospect,
)
from shared.identity.rules import Role


def test_it_lets_staff_move_along_the_pipeline_pause_and_resume() -> None:
    assert stage_moves(None) == ["prospect", "contacted", "negotiating"]
    assert stage_moves("prospect") == ["contacted", "negotiating", "active", "paused"]
    assert stage_problem("active", "alumni") is None
    assert stage_problem("paused", "negotiating") is None
    for stage in STAGES:
        if stage != "paused":
            assert stage_problem(stage, "paused") is None, stage


def test_it_refuses_moves_that_skip_reality_with_a_reason() -> None:
    assert stage_problem("prospect", "alumni") == (
        "From Prospect a relationship can move to: Contacted, Negotiating, Active, Paused."
    )
    assert stage_problem(None, "active") is not None  # someone never contacted is not active
    assert stage_problem("contacted", "contacted") == "The relationship is already at Contacted."
    assert stage_problem("prospect", "friends") == "Choose a stage from the list."


def test_it_lets_only_owners_and_managers_edit() -> None:
    assert can_edit_roster(Role.OWNER) and can_edit_roster(Role.MANAGER)
    assert not any(can_edit_roster(role) for role in (Role.REVIEWER, Role.FINANCE, Role.VIEWER, None))


def test_it_cleans_a_prospect() -> None:
    prospect, errors = validate_prospect(
        display_name="", platform="TikTok", handle=" @nina.dances ", email=" Nina@Example.TEST ", followers="12.5k"
    )
    assert errors == {}
    assert prospect is not None
    assert (prospect.display_name, prospect.platform, prospect.handle) == ("nina.dances", "tiktok", "nina.dances")
    assert (prospect.email, prospect.followers) == ("nina@example.test", 12_500)
    by_email, _ = validate_prospect(display_name="", platform="", handle="", email="sam@example.test", followers="")
    assert by_email is not None and by_email.display_name == "sam" and by_email.platform is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "handle", "Enter their handle on a platform, or their email below."),
        ({"handle": "nina"}, "platform", "Choose the platform this handle is on."),
        ({"handle": "nina dances", "platform": "x"}, "handle", "A handle has letters"),
        ({"email": "nina@"}, "email", "Enter an email address like name@example.com."),
        ({"email": "n@e.test", "followers": "5k"}, "followers", "Followers belong to an account"),
        ({"handle": "nina", "platform": "x", "followers": "lots"}, "followers", "Enter a number like 25000"),
        ({"handle": "nina", "platform": "x", "display_name": "N" * 201}, "display_name", "under 200"),
    ],
)
def test_it_explains_what_is_wrong_with_a_prospect(fields: dict[str, str], field: str, message: str) -> None:
    values = {"display_name": "", "platform": "", "handle": "", "email": "", "followers": "", **fields}
    prospect, errors = validate_prospect(**values)
    assert prospect is None
    assert message in errors[field]


def test_it_reads_follower_counts_as_people_write_them() -> None:
    assert [parse_count(text) for text in ("48200", "48,200", "48.2k", "1.5M", " 12 k ")] == [
        48_200,
        48_200,
        48_200,
        1_500_000,
        12_000,
    ]
    for bad in ("", "-5", "1e9", "many", "3000000000"):
        with pytest.raises(ValueError, match=r"Enter a number|too large"):
            parse_count(bad)


def test_it_cleans_tags_and_refuses_odd_ones() -> None:
    assert parse_tags(" Summer, vegan,summer ,, ") == (["summer", "vegan"], None)
    assert parse_tags("") == ([], None)
    assert parse_tags("x" * 41)[1] is not None
    assert parse_tags("<b>")[1] == "Tags use letters, digits, spaces and . _ + & - only ('<b>' does not)."
    assert parse_tags(",".join(f"t{n}" for n in range(21)))[1] == "Use at most 20 tags."


def test_it_checks_notes() -> None:
    assert note_problem("Met at the fair") is None
    assert note_problem("  \n") == "Write something before saving the note."
    assert note_problem("x" * 5001) is not None


def test_it_parses_roster_filters() -> None:
    filters, errors = parse_roster_filters(
        {
            "q": "  Alice  Out ",
            "platform": "Instagram",
            "tier": "micro",
            "niche": "Food",
            "country": "fr",
            "min_followers": "10k",
            "max_followers": "1m",
            "min_engagement": "1.5%",
            "max_engagement": "4",
            "stage": "negotiating",
            "owner": "7",
            "tag": "Summer",
        }
    )
    assert errors == {}
    assert filters == RosterFilters(
        q="alice out",
        platform="instagram",
        tier="micro",
        niche="food",
        country="FR",
        min_followers=10_000,
        max_followers=1_000_000,
        min_engagement_bp=150,
        max_engagement_bp=400,
        stage="negotiating",
        owner=7,
        tag="summer",
    )
    assert parse_roster_filters({}) == (RosterFilters(), {})
    assert parse_roster_filters({"owner": "none", "stage": "none"})[0].owner == "none"


def test_it_explains_filters_that_cannot_match() -> None:
    _, errors = parse_roster_filters(
        {
            "min_followers": "50k",
            "max_followers": "10k",
            "min_engagement": "5",
            "max_engagement": "2",
            "platform": "myspace",
            "country": "France",
            "stage": "married",
            "owner": "bob",
            "tier": "giga",
        }
    )
    assert errors["max_followers"] == "The most followers must be at least the fewest followers."
    assert errors["max_engagement"] == "The highest engagement rate must be at least the lowest."
    assert set(errors) == {"max_followers", "max_engagement", "platform", "country", "stage", "owner", "tier"}
    assert parse_roster_filters({"min_engagement": "120"})[1] == {
        "min_engagement": "Enter a percentage between 0 and 100."
    }


def test_it_names_the_state_of_an_invitation() -> None:
    assert creator_invitation_state(accepted=False, expired=False, prospect_gone=False) == "pending"
    assert creator_invitation_state(accepted=False, expired=True, prospect_gone=False) == "expired"
    assert creator_invitation_state(accepted=False, expired=False, prospect_gone=True) == "accepted"
