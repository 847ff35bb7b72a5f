"""Stripe settings are validated at start-up, naming the variable to fix."""

from __future__ import annotations

import pytest

from shared.settings import Settings, SettingsError

PROD = {
    "RAPPORT_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "BASE_URL": "https://rapport.example.com",
    "DATABASE_URL": "postgresql://db/rapport",
    # Production needs the contracts' seal too (tests/shared/test_settings.py checks those).
    "CONTRACT_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----",
    "CONTRACT_SIGNING_CERT": "-----BEGIN CERTIFICATE-----",
}
HOOKS = {"STRIPE_WEBHOOK_SECRET": "whsec_a", "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b"}


def test_it_reads_the_stripe_settings() -> None:
    settings = Settings.from_env(
        {
            "STRIPE_API_KEY": "sk_test_1",
            "STRIPE_API_BASE": "http://127.0.0.1:12111/",
            **HOOKS,
            "STRIPE_CONNECT_COUNTRIES": "us, gb FR",
        }
    )
    assert settings.stripe_api_base == "http://127.0.0.1:12111"
    assert settings.stripe_connect_countries == ("US", "GB", "FR")
    assert settings.stripe_connect_webhook_secret == "whsec_b"


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"STRIPE_API_KEY": "pk_test_1", **HOOKS}, "STRIPE_API_KEY"),
        ({"STRIPE_API_KEY": "sk_test_1"}, "STRIPE_CONNECT_WEBHOOK_SECRET"),
        ({"STRIPE_WEBHOOK_SECRET": "secret"}, "STRIPE_WEBHOOK_SECRET"),
        ({"STRIPE_CONNECT_COUNTRIES": "USA"}, "STRIPE_CONNECT_COUNTRIES"),
        ({"STRIPE_API_BASE": "localhost:12111"}, "STRIPE_API_BASE"),
        ({**PROD, "STRIPE_API_KEY": "sk_test_1", **HOOKS}, "STRIPE_API_KEY"),
        ({**PROD, "STRIPE_API_KEY": "sk_live_1", "STRIPE_API_BASE": "http://127.0.0.1:1", **HOOKS}, "STRIPE_API_BASE"),
    ],
)
def test_it_refuses_bad_stripe_settings(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(environ)


def test_production_takes_a_test_key_only_when_allowed() -> None:
    settings = Settings.from_env({**PROD, "STRIPE_API_KEY": "sk_test_1", **HOOKS, "STRIPE_ALLOW_TEST_KEY": "true"})
    assert settings.stripe_api_key == "sk_test_1"
    assert Settings.from_env({**PROD, "STRIPE_API_KEY": "sk_live_1", **HOOKS}).stripe_api_key == "sk_live_1"
