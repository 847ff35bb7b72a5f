"""Setting up payouts: one Express account per creator, then Stripe's hosted onboarding.

The calls to Stripe happen outside any transaction. Account creation carries an idempotency
key derived from the creator's id, so a double click or a retry after a lost answer never makes
a second account.
"""

from __future__ import annotations

from shared.audit.context import Actor
from shared.errors import InvalidInput
from shared.integrations.stripe_connect import StripeConnect
from shared.payouts.actions import do_record_payout_account, do_sync_payout_account
from shared.payouts.queries import get_payout_account, get_payout_status
from shared.payouts.rules import PayoutState


async def start_payout_setup(
    actor: Actor, creator_id: int, connect: StripeConnect, *, supported_countries: tuple[str, ...],
    return_url: str, refresh_url: str,
) -> str:  # fmt: skip
    """The Stripe onboarding address for the creator, creating their Express account the first time."""
    status = await get_payout_status(creator_id, supported_countries)
    if status.state is PayoutState.NO_COUNTRY:
        raise InvalidInput("Add your country to your profile first: Stripe needs it to set up payouts.")
    if status.state is PayoutState.UNSUPPORTED:
        raise InvalidInput("Stripe can't pay out to your country; the brand will pay you directly.")
    account = status.account
    if account is None:
        assert status.country is not None
        # The creator row's id and creation time: stable across retries, never shared by two
        # creators (even when a database is recreated and ids start again from 1).
        born = int(status.creator_created_at.timestamp() * 1_000_000) if status.creator_created_at else 0
        created = await connect.create_express_account(
            country=status.country.upper(),
            email=status.email,
            idempotency_key=f"rapport-creator-{creator_id}-{born}-express-account",
            creator_id=creator_id,
        )
        await do_record_payout_account(actor, creator_id, created)
        account = await get_payout_account(creator_id)
        assert account is not None
    return await connect.onboarding_link(account.stripe_account_id, return_url=return_url, refresh_url=refresh_url)


async def refresh_payout_account(actor: Actor, creator_id: int, connect: StripeConnect) -> None:
    """Read the creator's account from Stripe now (when they come back from onboarding)."""
    account = await get_payout_account(creator_id)
    if account is not None:
        await do_sync_payout_account(actor, await connect.retrieve_account(account.stripe_account_id))


async def dashboard_link(creator_id: int, connect: StripeConnect) -> str | None:
    account = await get_payout_account(creator_id)
    if account is None or not account.details_submitted:
        return None
    return await connect.dashboard_link(account.stripe_account_id)
