"""Reading payout accounts and Stripe events."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from shared.db.engine import get_engine
from shared.db.tables import Creator, PayoutAccount, StripeEvent
from shared.payouts.rules import HEADLINES, AccountFacts, PayoutState, payout_state


@dataclass(frozen=True)
class PayoutAccountRow:
    creator_id: int
    stripe_account_id: str
    country: str
    details_submitted: bool
    payouts_enabled: bool
    currently_due: tuple[str, ...]
    disabled_reason: str | None
    synced_at: dt.datetime | None

    @property
    def facts(self) -> AccountFacts:
        return AccountFacts(self.details_submitted, self.payouts_enabled, self.currently_due, self.disabled_reason)


@dataclass(frozen=True)
class PayoutStatus:
    """A creator's payout readiness: the account (if any), their country and the state in words."""

    creator_id: int
    country: str | None
    email: str | None
    creator_created_at: dt.datetime | None
    account: PayoutAccountRow | None
    state: PayoutState

    @property
    def payable(self) -> bool:
        return self.state is PayoutState.READY


_COLUMNS = (
    PayoutAccount.creator,
    PayoutAccount.stripe_account_id,
    PayoutAccount.country,
    PayoutAccount.details_submitted,
    PayoutAccount.payouts_enabled,
    PayoutAccount.currently_due,
    PayoutAccount.disabled_reason,
    PayoutAccount.synced_at,
)


def _row(row: dict[str, Any]) -> PayoutAccountRow:
    return PayoutAccountRow(
        creator_id=row["creator"],
        stripe_account_id=row["stripe_account_id"],
        country=row["country"],
        details_submitted=row["details_submitted"],
        payouts_enabled=row["payouts_enabled"],
        currently_due=tuple(row["currently_due"] or ()),
        disabled_reason=row["disabled_reason"],
        synced_at=row["synced_at"],
    )


async def get_payout_account(creator_id: int) -> PayoutAccountRow | None:
    row = await PayoutAccount.select(*_COLUMNS).where(PayoutAccount.creator == creator_id).first()
    return _row(row) if row else None


async def get_payout_status(creator_id: int, supported_countries: tuple[str, ...]) -> PayoutStatus:
    """The creator's payout state (two small reads: the creator's country, their account)."""
    creator = (
        await Creator.select(Creator.country, Creator.email, Creator.created_at).where(Creator.id == creator_id).first()
    )
    account = await get_payout_account(creator_id)
    country = (creator or {}).get("country")
    state = payout_state(account.facts if account else None, country=country, supported_countries=supported_countries)
    return PayoutStatus(
        creator_id, country, (creator or {}).get("email"), (creator or {}).get("created_at"), account, state
    )


async def list_accounts_to_refresh(older_than: dt.datetime, limit: int = 100) -> list[str]:
    """Accounts not yet ready whose state was last read before `older_than` (the periodic re-read)."""
    rows = (
        await PayoutAccount.select(PayoutAccount.stripe_account_id)
        .where(
            (PayoutAccount.payouts_enabled == False)  # noqa: E712 - Piccolo builds SQL from ==
            & (PayoutAccount.synced_at.is_null() | (PayoutAccount.synced_at < older_than))
        )
        .order_by(PayoutAccount.synced_at)
        .limit(limit)
    )
    return [r["stripe_account_id"] for r in rows]


@dataclass(frozen=True)
class StoredEvent:
    event_id: str
    type: str
    account: str | None
    payload: dict[str, Any]
    received_at: dt.datetime
    processed_at: dt.datetime | None


async def get_stripe_event(event_id: str) -> StoredEvent | None:
    """A received webhook event by its Stripe id (finance looks one up; the job processes it)."""
    row = await StripeEvent.select().where(StripeEvent.event_id == event_id).first()
    if row is None:
        return None
    payload = row["payload"]
    if isinstance(payload, str):
        payload = json.loads(payload)
    return StoredEvent(row["event_id"], row["type"], row["account"], payload, row["received_at"], row["processed_at"])


@dataclass(frozen=True)
class PayableSummary:
    """What brand staff need to know: can this creator be paid through Stripe, and if not, why."""

    payable: bool
    words: str


async def get_payable_summary(creator_id: int) -> PayableSummary:
    account = await get_payout_account(creator_id)
    if account is None:
        return PayableSummary(False, "No: payouts not set up with Stripe (pay by hand, or ask them to set up payouts)")
    state = payout_state(account.facts, country=account.country, supported_countries=(account.country,))
    if state is PayoutState.READY:
        return PayableSummary(True, "Yes: Stripe payouts ready")
    return PayableSummary(False, f"No: {HEADLINES[state].lower()}")


EVENT_ID_MAX = 100  # the column's length


@dataclass(frozen=True)
class BrandStripeEvent:
    """A received Stripe event as brand finance may see it: about the payout account of a creator who works
    with the brand (platform-wide events without an account are not any one brand's)."""

    event: StoredEvent
    creator_id: int | None
    creator_name: str


async def find_stripe_event_for_brand(
    brand_id: int, event_id: str, *, any_brand: bool = False
) -> BrandStripeEvent | None:
    """The event with this Stripe id, if this brand's staff may read it (`any_brand`: a Rapport administrator)."""
    event_id = event_id.strip()
    if not event_id or len(event_id) > EVENT_ID_MAX:
        return None
    rows = await get_engine().fetch(
        """
        SELECT e.event_id, c.id AS creator_id, c.display_name AS creator_name,
               EXISTS (SELECT 1 FROM collaboration co WHERE co.creator = c.id AND co.brand = $2) AS works_with_brand
        FROM stripe_event e
        LEFT JOIN payout_account p ON p.stripe_account_id = e.account
        LEFT JOIN creator c ON c.id = p.creator
        WHERE e.event_id = $1
        """,
        event_id,
        brand_id,
    )
    if not rows or not (any_brand or rows[0]["works_with_brand"]):
        return None
    event = await get_stripe_event(event_id)
    if event is None:
        return None
    creator_id = rows[0]["creator_id"]
    return BrandStripeEvent(event, int(creator_id) if creator_id is not None else None, rows[0]["creator_name"] or "")
