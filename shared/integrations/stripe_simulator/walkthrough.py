"""Walking the simulator's hosted onboarding page as a person would (over HTTP): how tests, the demo and the
benches get a connected account that finished onboarding, through the same page a creator fills in."""

from __future__ import annotations

import re

import httpx
import stripe

FIELDS = {
    "first_name": "Jenny", "last_name": "Rosen", "email": "jenny.rosen@example.com", "phone": "+1 555 000 0000",
    "dob": "1901-01-01", "line1": "address_full_match", "city": "Springfield", "postal_code": "12345",
    "account_number": "000123456789", "tos": "accepted",
}  # fmt: skip


class OnboardingPageError(RuntimeError):
    """The hosted page did not answer as a person filling it in would expect."""


def fill_onboarding(link_url: str, action: str | None = "submit", **overrides: str | None) -> httpx.Response:
    """Open an account link and submit the form; returns the redirect (to return_url)."""
    with httpx.Client() as http:
        page = http.get(link_url)
        if page.status_code != 200:
            raise OnboardingPageError(page.text)
        session = re.search(r'name="session" value="([^"]+)"', page.text)
        if not session:
            raise OnboardingPageError("the onboarding page has no session field")
        form = {**FIELDS, **overrides, "session": session.group(1), "action": action}
        return http.post(link_url, data={k: v for k, v in form.items() if v is not None})


def ready_account(client: stripe.StripeClient, country: str = "US", **overrides: str | None) -> stripe.Account:
    """An Express account that finished onboarding (payouts enabled)."""
    account = client.v1.accounts.create(
        {"type": "express", "country": country, "email": "alice@example.com",
         "capabilities": {"transfers": {"requested": True}}}
    )  # fmt: skip
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "refresh_url": "http://127.0.0.1/refresh",
         "return_url": "http://127.0.0.1/return"}
    )  # fmt: skip
    response = fill_onboarding(link.url, **overrides)
    if response.status_code != 303:
        raise OnboardingPageError(f"onboarding answered {response.status_code}")
    return client.v1.accounts.retrieve(account.id)
