"""Demo reconciliation at Acme (with the local Stripe simulator only): three creators set up payouts (Stripe's
hosted onboarding, filled in as they would), three payables are approved, released and transferred through the
real actions and the real transfer job; one transfer is dated in the month before last and two in last month
(the simulator's /_sim/backdate, and our payables' dates with them). Someone also paid a creator straight from
Stripe's dashboard last month. The month before last is reconciled and closed by Fran; last month is reconciled
with that one open break waiting for her."""

from __future__ import annotations

import datetime as dt
import logging
import re

import httpx

from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from shared.integrations.stripe_connect import StripeConnect, is_configured
from shared.payments.actions import check_approve_payables
from shared.payments.actions.approvals import release_payable
from shared.payments.sending import send_transfer
from shared.payouts.onboarding import refresh_payout_account, start_payout_setup
from shared.reconciliation.actions import do_close_period
from shared.reconciliation.engine import run_reconciliation
from shared.reconciliation.queue import queue_run
from shared.reconciliation.rules import month_start, previous_month
from shared.settings import Settings

log = logging.getLogger(__name__)

# What a creator types into Stripe's (simulated) onboarding form.
ONBOARDING = {
    "first_name": "Demo", "last_name": "Creator", "email": "payouts@example.com", "phone": "+1 555 000 0000",
    "dob": "1990-01-01", "line1": "address_full_match", "city": "Springfield", "postal_code": "12345",
    "account_number": "000123456789", "tos": "accepted", "action": "submit",
}  # fmt: skip


def _sim(settings: Settings, path: str, data: dict[str, str | int], key: str = "") -> dict[str, object]:
    headers = {"Authorization": f"Bearer {settings.stripe_api_key}"}
    if key:
        headers["Idempotency-Key"] = key
    response = httpx.post(f"{settings.stripe_api_base}{path}", data=data, headers=headers, timeout=30)
    if response.is_error:
        raise RuntimeError(f"the Stripe simulator answered {response.status_code} to {path}: {response.text}")
    result: dict[str, object] = response.json()
    return result


def _onboard(link: str) -> None:
    """Fill in the hosted onboarding page, as the creator would."""
    with httpx.Client(timeout=30) as http:
        page = http.get(link)
        session = re.search(r'name="session" value="([^"]+)"', page.text)
        if session is None:
            raise RuntimeError("the simulator's onboarding page has no session")
        http.post(link, data={**ONBOARDING, "session": session.group(1)})


def _at(month: dt.date, day: int) -> dt.datetime:
    return dt.datetime.combine(month.replace(day=day), dt.time(11), tzinfo=dt.UTC)


async def seed_demo_reconciliation(actor: Actor, settings: Settings | None) -> None:
    if settings is None or not is_configured(settings) or not settings.stripe_api_base:
        return  # real Stripe (or none): the demo does not move money there
    engine = get_engine()
    ids = {r["key"]: int(r["id"]) for r in await engine.fetch(
        "SELECT 'acme' AS key, id FROM brand WHERE slug = 'acme' UNION ALL "
        "SELECT email, id FROM staff_user WHERE email IN ('fran@acme.test', 'olivia@acme.test')")}  # fmt: skip
    if len(ids) < 3:
        return
    acme, fran, olivia = (
        ids["acme"],
        await get_staff_context(ids["fran@acme.test"]),
        await get_staff_context(ids["olivia@acme.test"]),
    )
    waiting = await engine.fetch(
        """
        SELECT DISTINCT ON (p.creator) p.id, p.creator FROM payable p JOIN creator c ON c.id = p.creator
        WHERE p.brand = $1 AND p.status = 'pending_approval' AND p.currency = 'USD' AND c.country = ANY($2::text[])
          AND NOT EXISTS (SELECT 1 FROM payable_approval a WHERE a.payable = p.id)
        ORDER BY p.creator, p.id LIMIT 3
        """,
        acme,
        list(settings.stripe_connect_countries),
    )
    if len(waiting) < 3:
        log.warning("demo reconciliation skipped: fewer than three payables to pay")
        return
    connect = StripeConnect(settings)
    this_month = month_start(dt.datetime.now(dt.UTC).date())
    last_month = previous_month(this_month)
    before_last = previous_month(last_month)
    dates = [_at(before_last, 12), _at(last_month, 8), _at(last_month, 20)]
    accounts: list[str] = []
    for row, when in zip(waiting, dates, strict=True):
        payable_id, creator_id = int(row["id"]), int(row["creator"])
        link = await start_payout_setup(
            actor, creator_id, connect, supported_countries=settings.stripe_connect_countries,
            return_url=f"{settings.base_url}/payments/return", refresh_url=f"{settings.base_url}/payments/refresh",
        )  # fmt: skip
        _onboard(link)
        await refresh_payout_account(actor, creator_id, connect)
        [outcome] = await check_approve_payables(actor, olivia, brand_id=acme, payable_ids=[payable_id])
        if not outcome.done:
            log.warning("demo reconciliation: payable %s not approved: %s", payable_id, outcome.message)
            return
        await release_payable(actor, fran, acme, payable_id)
        await send_transfer(connect, payable_id)
        [paid] = await engine.fetch(
            "SELECT p.stripe_transfer_id, pa.stripe_account_id FROM payable p "
            "JOIN payout_account pa ON pa.creator = p.creator WHERE p.id = $1",
            payable_id,
        )
        if not paid["stripe_transfer_id"]:
            log.warning("demo reconciliation: payable %s was not transferred", payable_id)
            return
        accounts.append(paid["stripe_account_id"])
        # As if it had all happened then: the transfer at Stripe, and our payable's clock.
        _sim(settings, "/_sim/backdate", {"object": paid["stripe_transfer_id"], "created": int(when.timestamp())})
        await engine.fetch(
            "UPDATE payable SET milestone_at = $2::timestamptz - interval '10 days', "
            "approved_at = $2::timestamptz - interval '2 days', released_at = $2::timestamptz - interval '1 hour', "
            "sent_at = $2::timestamptz, due_on = ($2::timestamptz + interval '20 days')::date WHERE id = $1",
            payable_id,
            when,
        )
    # Paid by hand from Stripe's dashboard last month: Rapport never heard of it.
    outside = _sim(settings, "/v1/transfers", {"amount": 7500, "currency": "usd", "destination": accounts[1],
                                               "description": "Travel refund"},
                   # The simulator's state outlives a demo database: a key per destination, so a fresh seed's new
                   # accounts never meet an earlier seed's request under the same key.
                   key=f"rapport-demo-transfer-outside-rapport-{accounts[1]}")  # fmt: skip
    _sim(settings, "/_sim/backdate", {"object": str(outside["id"]), "created": int(_at(last_month, 16).timestamp())})

    for month in (before_last, last_month):
        run_id = await queue_run(acme, month, fran.id)
        if run_id is not None:
            await run_reconciliation(connect, run_id)
    await do_close_period(actor, fran, brand_id=acme, starts_on=before_last)
