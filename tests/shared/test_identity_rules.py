import pytest

from shared.identity.rules import CURRENCIES, Role, can_create_brand, engagement_rate, slugify, tier_for, validate_brand


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (None, None),
        (999, None),
        (1_000, "nano"),
        (9_999, "nano"),
        (10_000, "micro"),
        (100_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
    ],
)
def test_it_derives_the_tier_from_followers(followers: int | None, tier: str | None) -> None:
    assert tier_for(followers) == tier


def test_it_computes_engagement_rate_only_when_known() -> None:
    assert engagement_rate(500, 10_000) == 0.05
    assert engagement_rate(None, 10_000) is None
    assert engagement_rate(500, None) is None
    assert engagement_rate(500, 0) is None


def test_it_lets_only_admins_and_owners_open_brands() -> None:
    assert can_create_brand(is_admin=True, roles=set())
    assert can_create_brand(is_admin=False, roles={Role.OWNER, Role.VIEWER})
    assert not can_create_brand(is_admin=False, roles={Role.MANAGER, Role.FINANCE})


def test_it_makes_url_safe_slugs() -> None:
    assert slugify("Ácme Outdoor & Co.") == "acme-outdoor-co"
    assert slugify("!!!") == "brand"


def test_it_validates_brand_fields() -> None:
    assert validate_brand("Acme", "USD") == {}
    assert set(validate_brand("  ", "XXX")) == {"name", "currency"}
    assert "name" in validate_brand("x" * 201, CURRENCIES[0])
