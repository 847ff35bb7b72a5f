"""Usage rights rules, table-driven: parsing the offer form, windows from go-live, what a grant covers (overlapping
grants, territory lists against worldwide, the boundary days), what changed in a counter, what a tile says, and
offers made before structured rights still reading as before."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.collaborations.rules import Terms, describe_terms, diff_terms, parse_terms, terms_to_form
from shared.rights.rules import (
    Grant,
    Rights,
    add_duration,
    alert_due,
    asset_state,
    channels_text,
    covers,
    diff_rights,
    parse_countries,
    parse_rights,
    tile_text,
    timeline,
    usable,
)
from tests.rights_helpers import rights_fields

TODAY = dt.date(2026, 11, 29)
D = dt.date


def _form(**options: str) -> dict[str, str]:
    form = {
        "d0_kind": "reel",
        "d0_platform": "instagram",
        "d0_live_due": "2026-12-10",
        "fee": "1000",
        "pay_signing": "50",
        "pay_approval": "0",
        "pay_go_live": "50",
    }
    return {**form, **options}


@pytest.mark.parametrize(
    ("fields", "expected", "error_on"),
    [
        (rights_fields(), Rights(("organic", "paid_meta"), ("CA", "US"), 6, "months"), None),
        (rights_fields(countries=""), Rights(("organic", "paid_meta"), (), 6, "months"), None),
        (rights_fields(countries="us ca us"), Rights(("organic", "paid_meta"), ("CA", "US"), 6, "months"), None),
        (
            rights_fields(duration="", ends_on="2027-03-03"),
            Rights(("organic", "paid_meta"), ("CA", "US"), 0, "months", D(2027, 3, 3)),
            None,
        ),
        (rights_fields(channels=(), countries="", duration=""), None, None),  # no rights: free text only
        (rights_fields(channels=(), duration="6"), None, "rights_channels"),
        (rights_fields(countries="US, XX"), None, "rights_countries"),
        ({**rights_fields(), "rights_countries": ""}, None, "rights_countries"),
        (rights_fields(duration=""), None, "rights_window"),
        (rights_fields(duration="0"), None, "rights_window"),
        (rights_fields(duration="121"), None, "rights_window"),
        (rights_fields(duration="3", ends_on="2027-01-01"), None, "rights_window"),
        (rights_fields(duration="", ends_on="2026-12-01"), None, "rights_window"),  # ends before go-live
        (rights_fields(category="backpacks"), None, "exclusivity_days"),
        (rights_fields(days="30"), None, "exclusivity_category"),
        (
            rights_fields(category="backpacks", days="30"),
            Rights(("organic", "paid_meta"), ("CA", "US"), 6, "months", None, "backpacks", 30),
            None,
        ),
    ],
)
def test_it_parses_the_rights_of_an_offer(
    fields: dict[str, str], expected: Rights | None, error_on: str | None
) -> None:
    rights, errors = parse_rights(fields, today=TODAY, earliest_live=D(2026, 12, 10))
    if error_on:
        assert error_on in errors and rights is None
    else:
        assert errors == {} and rights == expected


def test_it_reads_country_lists() -> None:
    assert parse_countries("gb;de,  fr") == (("DE", "FR", "GB"), "")
    assert parse_countries("EU")[1].startswith("Unknown country code: EU")


@pytest.mark.parametrize(
    ("rights", "go_live", "window"),
    [
        (Rights(("organic",), duration=6, unit="months"), D(2026, 12, 10), (D(2026, 12, 10), D(2027, 6, 9))),
        (Rights(("organic",), duration=1, unit="months"), D(2027, 1, 31), (D(2027, 1, 31), D(2027, 2, 27))),
        (Rights(("organic",), duration=90, unit="days"), D(2026, 12, 10), (D(2026, 12, 10), D(2027, 3, 9))),
        (Rights(("organic",), ends_on=D(2027, 3, 3)), D(2026, 12, 10), (D(2026, 12, 10), D(2027, 3, 3))),
        # Went live after the fixed end: the window is that one day, never negative.
        (Rights(("organic",), ends_on=D(2027, 3, 3)), D(2027, 4, 1), (D(2027, 4, 1), D(2027, 4, 1))),
    ],
)
def test_it_opens_the_window_at_go_live(rights: Rights, go_live: dt.date, window: tuple[dt.date, dt.date]) -> None:
    assert rights.window(go_live) == window


def test_it_adds_calendar_months() -> None:
    assert add_duration(D(2027, 1, 31), 1, "months") == D(2027, 2, 28)
    assert add_duration(D(2028, 1, 31), 1, "months") == D(2028, 2, 29)
    assert add_duration(D(2026, 11, 30), 14, "months") == D(2028, 1, 30)


US_ORGANIC = Grant(1, ("organic", "paid_meta"), ("US", "CA"), D(2026, 12, 1), D(2027, 2, 28))
WORLD_EMAIL = Grant(2, ("email",), (), D(2026, 12, 1), D(2026, 12, 31))
LATER_US = Grant(3, ("paid_meta",), ("US",), D(2027, 2, 1), D(2027, 5, 31))


@pytest.mark.parametrize(
    ("channel", "country", "on", "expected"),
    [
        ("organic", "US", D(2026, 12, 1), True),  # first day
        ("organic", "US", D(2027, 2, 28), True),  # last day, included
        ("organic", "US", D(2027, 3, 1), False),  # the day after
        ("organic", "US", D(2026, 11, 30), False),  # before go-live
        ("organic", "GB", D(2027, 1, 1), False),  # a country not listed
        ("ooh", "US", D(2027, 1, 1), False),  # a channel not granted
        ("email", "GB", D(2026, 12, 31), True),  # worldwide covers every country
        ("email", "GB", D(2027, 1, 1), False),
        ("paid_meta", "US", D(2027, 3, 15), True),  # overlapping grants: the later one carries on
        ("paid_meta", "CA", D(2027, 3, 15), False),  # …but only in the US
    ],
)
def test_it_says_whether_content_is_usable(channel: str, country: str, on: dt.date, expected: bool) -> None:
    assert usable([US_ORGANIC, WORLD_EMAIL, LATER_US], channel=channel, country=country, on=on) is expected


def test_a_grant_is_read_in_whole_days_of_the_viewers_zone() -> None:
    # 28 Feb 23:30 in Los Angeles is already 1 Mar in UTC: the caller's zone decides which day "today" is.
    moment = dt.datetime(2027, 3, 1, 7, 30, tzinfo=dt.UTC)
    in_la = moment.astimezone(dt.timezone(dt.timedelta(hours=-8))).date()
    assert covers(US_ORGANIC, channel="organic", country="US", on=in_la)
    assert not covers(US_ORGANIC, channel="organic", country="US", on=moment.date())


@pytest.mark.parametrize(
    ("grants", "today", "state", "text"),
    [
        ([], TODAY, "none", "No usage rights recorded — don't reuse it."),
        (
            [US_ORGANIC],
            D(2026, 12, 15),
            "usable",
            "Usable for organic and paid social (Meta) in US, CA until 28 Feb 2027.",
        ),
        (
            [US_ORGANIC],
            D(2027, 2, 10),
            "expiring",
            "Usable for organic and paid social (Meta) in US, CA until 28 Feb 2027.",
        ),
        ([US_ORGANIC], D(2027, 3, 12), "expired", "Expired 28 Feb 2027 — take it down."),
        ([LATER_US], D(2027, 1, 1), "upcoming", "Usable from 1 Feb 2027 (go-live); not before."),
        ([WORLD_EMAIL], D(2026, 12, 2), "expiring", "Usable for email worldwide until 31 Dec 2026."),
    ],
)
def test_it_says_plainly_what_a_tile_allows(grants: list[Grant], today: dt.date, state: str, text: str) -> None:
    assert asset_state(grants, today) == state
    assert tile_text(grants, today) == text


def test_it_folds_paid_social() -> None:
    assert channels_text(["paid_tiktok", "organic", "paid_meta", "paid_youtube"]) == "organic and paid social"
    assert channels_text(["email", "ooh", "tv"]) == "email, out-of-home and TV/streaming"


@pytest.mark.parametrize(
    ("ends_on", "alert"),
    [(D(2026, 12, 29), 30), (D(2026, 12, 6), 7), (D(2026, 11, 30), 1), (D(2026, 12, 5), None), (TODAY, None)],
)
def test_it_alerts_30_7_and_1_days_before(ends_on: dt.date, alert: int | None) -> None:
    assert alert_due(ends_on, TODAY) == alert


def test_counters_show_rights_changes_in_what_changed() -> None:
    base, errors = parse_terms(_form(**rights_fields()), currency="USD", today=TODAY)
    assert base is not None, errors
    counter, errors = parse_terms(
        {
            **{k: v for k, v in terms_to_form(base).items() if not k.startswith("right_")},
            **rights_fields(channels=("organic",), countries="", duration="3", category="bags", days="30"),
        },
        currency="USD",
        today=TODAY,
        base=base,
    )
    assert counter is not None, errors
    assert diff_terms(base, counter) == [
        "Rights channels: organic and paid social (Meta) → organic",
        "Rights territories: CA, US → worldwide",
        "Rights window: for 6 months from go-live → for 3 months from go-live",
        "Exclusivity: none → bags, 30 days",
    ]
    # A counter that leaves the rights fields out keeps the rights on the table.
    kept, _ = parse_terms({"fee": "1100"}, currency="USD", today=TODAY, base=base)
    assert kept is not None and kept.rights == base.rights
    assert diff_rights(None, base.rights) == [
        "Usage rights: none → organic and paid social (Meta), in CA, US, for 6 months from go-live"
    ]


def test_terms_round_trip_and_old_offers_still_read() -> None:
    terms, _ = parse_terms(_form(**rights_fields(category="backpacks", days="30")), currency="USD", today=TODAY)
    assert terms is not None
    assert Terms.from_json(terms.to_json()) == terms
    assert "Usage rights: organic and paid social (Meta), in CA, US, for 6 months from go-live." in describe_terms(
        terms
    )
    assert "Exclusivity: no other backpacks brand for 30 days after go-live." in describe_terms(terms)
    old = terms.to_json()
    del old["rights"]
    old["usage_rights"] = "Organic reposts for 90 days"
    legacy = Terms.from_json(old)
    assert legacy.rights is None
    assert "Usage rights: Organic reposts for 90 days." in describe_terms(legacy)
    without, _ = parse_terms(_form(), currency="USD", today=TODAY)
    assert without is not None and "rights" not in without.to_json()


def test_the_timeline_scales_windows_to_their_span() -> None:
    chart = timeline([("Reel · Alice", [US_ORGANIC]), ("Email · Bo", [WORLD_EMAIL]), ("None", [])], D(2026, 12, 1))
    assert chart is not None and [bar.label for bar in chart.bars] == ["Reel · Alice", "Email · Bo"]
    reel, email = chart.bars
    assert (chart.first, chart.last, chart.today_x) == (D(2026, 12, 1), D(2027, 2, 28), 0.0)
    assert (reel.x, reel.width, email.x) == (0.0, 100.0, 0.0)
    assert round(email.width, 1) == round(100 * 31 / 90, 1)
    assert reel.text == "1 Dec 2026 – 28 Feb 2027" and reel.state == "usable"
    assert timeline([("None", [])], TODAY) is None
