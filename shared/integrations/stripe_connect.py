"""Stripe Connect through the real stripe SDK: Express accounts, account links, login links, webhook signatures.

The only module that imports `stripe`. Calls are async (the SDK's httpx client), carry the
idempotency key the caller derives from its own row, and return plain typed values. With
STRIPE_API_BASE set, the same calls go to the local simulator.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import stripe

from shared.settings import Settings

WEBHOOK_TOLERANCE_SECONDS = 300


class StripeUnavailable(RuntimeError):
    """Stripe could not be reached or refused the call; the message is safe to log."""


class TransferRefused(RuntimeError):
    """Stripe answered that it made no transfer (a 4xx with a code): nothing to retry under the same key."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class TransferUnanswered(RuntimeError):
    """No definite answer: a timeout, a dropped connection or a 5xx. The transfer may or may not exist.

    `answered` is True when Stripe did answer (a 5xx): that request is over, so a search for the transfer
    is reliable; False when the connection failed and a request may still be running."""

    def __init__(self, message: str, *, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered


@dataclass(frozen=True)
class Transfer:
    id: str
    amount: int
    amount_reversed: int
    currency: str
    destination: str
    destination_payment: str
    created: int
    metadata: dict[str, str]

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> Transfer:
        return cls(
            id=data["id"],
            amount=int(data["amount"]),
            amount_reversed=int(data.get("amount_reversed") or 0),
            currency=str(data["currency"]).upper(),
            destination=str(data.get("destination") or ""),
            destination_payment=str(data.get("destination_payment") or ""),
            created=int(data.get("created") or 0),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass(frozen=True)
class Payout:
    id: str
    status: str  # pending | in_transit | paid | failed | canceled
    arrival_date: int
    failure_code: str
    failure_message: str


@dataclass(frozen=True)
class BalanceTransaction:
    """A line of the platform's Stripe balance: what moved, Stripe's fee on it, and any currency conversion."""

    id: str
    type: str
    reporting_category: str
    amount: int
    fee: int
    currency: str
    exchange_rate: float | None
    source: str
    created: int
    description: str

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> BalanceTransaction:
        source = data.get("source")
        if isinstance(source, dict):
            source = source.get("id")
        rate = data.get("exchange_rate")
        return cls(
            id=data["id"],
            type=str(data.get("type") or ""),
            reporting_category=str(data.get("reporting_category") or ""),
            amount=int(data.get("amount") or 0),
            fee=int(data.get("fee") or 0),
            currency=str(data.get("currency") or "").upper(),
            exchange_rate=float(rate) if rate is not None else None,
            source=str(source or ""),
            created=int(data.get("created") or 0),
            description=str(data.get("description") or ""),
        )


@dataclass(frozen=True)
class ListedPayout:
    """A connected account's payout as a list shows it."""

    id: str
    account: str
    amount: int
    currency: str
    status: str
    created: int
    failure_code: str


# Stripe's largest page: a period of 100,000 transfers is 1,000 requests, one page in memory at a time.
PAGE_SIZE = 100


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

    async def create_transfer(self, *, amount_minor: int, currency: str, destination: str, transfer_group: str,
                              metadata: dict[str, str], idempotency_key: str) -> Transfer:  # fmt: skip
        """Move money from the platform balance to a connected account, once per idempotency key."""
        params: Any = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "destination": destination,
            "transfer_group": transfer_group,
            "metadata": metadata,
        }
        try:
            transfer = await self._client.v1.transfers.create_async(
                params, options={"idempotency_key": idempotency_key}
            )
        except stripe.APIConnectionError as exc:
            raise TransferUnanswered(f"no answer from Stripe: {exc.user_message or exc}", answered=False) from exc
        except stripe.StripeError as exc:
            status = exc.http_status or 0
            if status >= 500 or status in (409, 429):
                raise TransferUnanswered(f"Stripe answered {status}", answered=status >= 500) from exc
            code = str(getattr(exc, "code", "") or "")
            raise TransferRefused(code or f"http_{status}", str(exc.user_message or exc)) from exc
        return Transfer.from_stripe(transfer.to_dict())

    async def find_transfer(self, *, transfer_group: str, metadata_key: str, metadata_value: str) -> Transfer | None:
        """The transfer of a group whose metadata names our row, if Stripe has one (after an unclear answer)."""
        listing = await self._call(self._client.v1.transfers.list_async({"transfer_group": transfer_group,
                                                                           "limit": 100}))  # fmt: skip
        for item in listing.data:
            data = item.to_dict()
            if (data.get("metadata") or {}).get(metadata_key) == metadata_value:
                return Transfer.from_stripe(data)
        return None

    async def retrieve_transfer(self, transfer_id: str) -> Transfer:
        return Transfer.from_stripe((await self._call(self._client.v1.transfers.retrieve_async(transfer_id))).to_dict())

    async def retrieve_payout(self, account_id: str, payout_id: str) -> Payout:
        data = (
            await self._call(self._client.v1.payouts.retrieve_async(payout_id, options={"stripe_account": account_id}))
        ).to_dict()
        return Payout(
            id=data["id"],
            status=str(data.get("status") or ""),
            arrival_date=int(data.get("arrival_date") or 0),
            failure_code=str(data.get("failure_code") or ""),
            failure_message=str(data.get("failure_message") or ""),
        )

    async def payout_sources(self, account_id: str, payout_id: str) -> list[str]:
        """The charges (a transfer's destination payment) a connected account's payout carried to the bank."""
        listing = await self._call(
            self._client.v1.balance_transactions.list_async(
                {"payout": payout_id, "limit": 100}, options={"stripe_account": account_id}
            )
        )
        return [str(t.source) for t in listing.data if getattr(t, "source", None) and t.type != "payout"]

    async def _pages(self, fetch: Any, params: dict[str, Any]) -> AsyncIterator[list[dict[str, Any]]]:
        """Stripe's cursor pagination, one page (as dicts) at a time: never the whole list in memory.
        `fetch(params)` is the SDK's list call."""
        page = await self._call(fetch({**params, "limit": PAGE_SIZE}))
        while True:
            items = [item.to_dict() for item in page.data]
            if items:
                yield items
            if not page.has_more or not items:
                return
            page = await self._call(fetch({**params, "limit": PAGE_SIZE, "starting_after": items[-1]["id"]}))

    async def transfer_pages(self, *, created_gte: int, created_lt: int) -> AsyncIterator[list[Transfer]]:
        """The platform's transfers created in [created_gte, created_lt), newest first, a page at a time."""
        params = {"created": {"gte": created_gte, "lt": created_lt}}
        async for items in self._pages(self._client.v1.transfers.list_async, params):
            yield [Transfer.from_stripe(item) for item in items]

    async def transfer_reversals(self, transfer_id: str) -> list[tuple[str, int, int]]:
        """Every reversal of a transfer (id, amount, created): the transfer object embeds only its first ten."""
        found: list[tuple[str, int, int]] = []
        reversals = self._client.v1.transfers.reversals
        async for items in self._pages(lambda params: reversals.list_async(transfer_id, params), {}):
            found.extend((str(r["id"]), int(r["amount"]), int(r["created"])) for r in items)
        return found

    async def balance_transaction_pages(
        self, *, created_gte: int, created_lt: int
    ) -> AsyncIterator[list[BalanceTransaction]]:
        """The platform's balance transactions created in [created_gte, created_lt), a page at a time."""
        params = {"created": {"gte": created_gte, "lt": created_lt}}
        async for items in self._pages(self._client.v1.balance_transactions.list_async, params):
            yield [BalanceTransaction.from_stripe(item) for item in items]

    async def payout_pages(self, account_id: str, *, created_gte: int,
                           created_lt: int) -> AsyncIterator[list[ListedPayout]]:  # fmt: skip
        """A connected account's payouts created in [created_gte, created_lt), a page at a time."""
        params = {"created": {"gte": created_gte, "lt": created_lt}}
        payouts = self._client.v1.payouts
        fetch = lambda params: payouts.list_async(params, options={"stripe_account": account_id})  # noqa: E731
        async for items in self._pages(fetch, params):
            yield [
                ListedPayout(id=p["id"], account=account_id, amount=int(p["amount"]),
                             currency=str(p["currency"]).upper(), status=str(p.get("status") or ""),
                             created=int(p.get("created") or 0), failure_code=str(p.get("failure_code") or ""))
                for p in items
            ]  # fmt: skip

    async def find_transfer_by_id(self, transfer_id: str) -> Transfer | None:
        """The transfer, or None when Stripe has no such transfer (a 404)."""
        try:
            data = await self._client.v1.transfers.retrieve_async(transfer_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                return None
            raise StripeUnavailable(f"Stripe refused: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            raise StripeUnavailable(f"Stripe could not be reached: {exc.user_message or exc}") from exc
        return Transfer.from_stripe(data.to_dict())

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
