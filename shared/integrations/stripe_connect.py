"""Stripe Connect through the real stripe SDK: Express accounts, account links, login links, webhook signatures.

The only module that imports `stripe`. Calls are async (the SDK's httpx client), carry the
idempotency key the caller derives from its own row, and return plain typed values. With
STRIPE_API_BASE set, the same calls go to the local simulator.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import stripe

from shared.settings import Settings

WEBHOOK_TOLERANCE_SECONDS = 300


class StripeUnavailable(RuntimeError):
    """Stripe could not be reached or refused the call; the message is safe to log."""


class BadSignature(ValueError):
    """A webhook whose signature does not verify with either endpoint secret (or is too old)."""


@dataclass(frozen=True)
class ConnectAccount:
    id: str
    country: str
    details_submitted: bool
    payouts_enabled: bool
    currently_due: tuple[str, ...]
    disabled_reason: str | None

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> ConnectAccount:
        requirements = data.get("requirements") or {}
        return cls(
            id=data["id"],
            country=data.get("country") or "",
            details_submitted=bool(data.get("details_submitted")),
            payouts_enabled=bool(data.get("payouts_enabled")),
            currently_due=tuple(requirements.get("currently_due") or ()),
            disabled_reason=requirements.get("disabled_reason"),
        )


def stripe_hosted_origins(settings: Settings) -> str:
    """Where the payout forms send people: Stripe's hosted onboarding and Express dashboard (or the simulator)."""
    if settings.stripe_api_base:
        parts = urlsplit(settings.stripe_api_base)
        return f"{parts.scheme}://{parts.netloc}"
    return "https://connect.stripe.com"


def is_configured(settings: Settings) -> bool:
    return bool(settings.stripe_api_key)


class StripeConnect:
    """The calls Rapport makes to Stripe Connect."""

    def __init__(self, settings: Settings) -> None:
        if not settings.stripe_api_key:
            raise StripeUnavailable("STRIPE_API_KEY is not set")
        base = settings.stripe_api_base
        addresses: Any = {"api": base, "connect": base} if base else None
        self._client = stripe.StripeClient(
            settings.stripe_api_key,
            base_addresses=addresses,
            http_client=stripe.HTTPXClient(),
            max_network_retries=2,
        )
        self._secrets = [s for s in (settings.stripe_webhook_secret, settings.stripe_connect_webhook_secret) if s]

    async def create_express_account(self, *, country: str, email: str | None, idempotency_key: str,
                                     creator_id: int) -> ConnectAccount:  # fmt: skip
        params: Any = {
            "type": "express",
            "country": country,
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"rapport_creator_id": str(creator_id)},
        }
        if email:
            params["email"] = email
        account = await self._call(
            self._client.v1.accounts.create_async(params, options={"idempotency_key": idempotency_key})
        )
        return ConnectAccount.from_stripe(account.to_dict())

    async def retrieve_account(self, account_id: str) -> ConnectAccount:
        account = await self._call(self._client.v1.accounts.retrieve_async(account_id))
        return ConnectAccount.from_stripe(account.to_dict())

    async def onboarding_link(self, account_id: str, *, return_url: str, refresh_url: str) -> str:
        link = await self._call(
            self._client.v1.account_links.create_async(
                {
                    "account": account_id,
                    "type": "account_onboarding",
                    "return_url": return_url,
                    "refresh_url": refresh_url,
                }
            )
        )
        return str(link.url)

    async def dashboard_link(self, account_id: str) -> str:
        link = await self._call(self._client.v1.accounts.login_links.create_async(account_id))
        return str(link.url)

    def verify_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event, if its signature verifies with one of the endpoints' secrets within 5 minutes."""
        if not signature or not self._secrets:
            raise BadSignature("missing signature or no webhook secret configured")
        text = payload.decode("utf-8", errors="replace")
        for secret in self._secrets:
            try:
                stripe.WebhookSignature.verify_header(text, signature, secret, WEBHOOK_TOLERANCE_SECONDS)
            except stripe.SignatureVerificationError:
                continue
            try:
                event = json.loads(text)
            except ValueError as exc:
                raise BadSignature("the body is not JSON") from exc
            if not isinstance(event, dict) or not str(event.get("id", "")).startswith("evt_"):
                raise BadSignature("the body is not an event")
            return event
        raise BadSignature("no secret verifies this signature (or its timestamp is older than 5 minutes)")

    @staticmethod
    async def _call(awaitable: Any) -> Any:
        try:
            return await awaitable
        except stripe.StripeError as exc:
            raise StripeUnavailable(f"Stripe refused or could not be reached: {exc.user_message or exc}") from exc
