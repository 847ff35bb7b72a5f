"""Payments: set up payouts through Stripe Connect (Express), the state in plain words, the Express dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Stream, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.creators.queries import CreatorContext
from shared.errors import InvalidInput
from shared.exports.actions import do_download_statement
from shared.exports.queries import list_statement_choices
from shared.exports.rules import CONTENT_TYPE
from shared.integrations.stripe_connect import StripeConnect, StripeUnavailable, is_configured
from shared.payments.queries import list_creator_payments
from shared.payouts.onboarding import dashboard_link, refresh_payout_account, start_payout_setup
from shared.payouts.queries import get_payout_status
from shared.payouts.rules import HEADLINES, PayoutState, requirement_sentences
from shared.settings import Settings
from shared.tax.queries import get_creator_tax
from shared.web.creator_auth import settings_of

UNAVAILABLE = "Payouts can't be set up right now (Stripe did not answer). Please try again in a few minutes."


@get("/payments", guards=[requires_creator], name="portal:payments")
async def payments_page(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Template:
    settings = settings_of(request)
    status = await get_payout_status(creator.id, settings.stripe_connect_countries)
    account = status.account
    today = dt.datetime.now(dt.UTC).date()
    return Template(
        "portal/payments.html",
        context={
            "status": status,
            "state": status.state.value,
            "headline": HEADLINES[status.state],
            "sentences": requirement_sentences(account.currently_due) if account else [],
            "stripe_configured": is_configured(settings),
            "can_start": status.state in (PayoutState.NOT_STARTED, PayoutState.IN_PROGRESS, PayoutState.NEEDS_INFO),
            "money": await list_creator_payments(creator.id, today),
            "tax": await get_creator_tax(creator.id, today),
            "statements": await list_statement_choices(creator.id),
        },
    )


@get("/payments/statements/{brand_id:int}/{year:int}", guards=[requires_creator])
async def download_statement(
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    brand_id: FromPath[int],
    year: FromPath[int],
) -> Stream:
    """The creator's own statement from one brand for a calendar year (only ever their own: no creator in the URL)."""
    statement = await do_download_statement(actor, creator.id, brand_id=brand_id, year=year)
    return Stream(
        statement.chunks,
        media_type=CONTENT_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{statement.filename}"'},
    )


def _connect(settings: Settings) -> StripeConnect:
    if not is_configured(settings):
        raise InvalidInput("Payouts are not available on this Rapport (Stripe is not configured).")
    return StripeConnect(settings)


async def _to_stripe(request: Request[Any, Any, Any], creator_id: int, actor: Actor) -> Redirect:
    settings = settings_of(request)
    try:
        url = await start_payout_setup(
            actor,
            creator_id,
            _connect(settings),
            supported_countries=settings.stripe_connect_countries,
            return_url=f"{settings.base_url}/payments/return",
            refresh_url=f"{settings.base_url}/payments/refresh",
        )
    except StripeUnavailable:
        flash(request, UNAVAILABLE, category="error")
        return Redirect("/payments", status_code=303)
    except InvalidInput as exc:
        flash(request, str(exc), category="error")
        return Redirect("/payments", status_code=303)
    return Redirect(url, status_code=303)


@post("/payments/setup", guards=[requires_creator], status_code=303)
async def start_setup(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Redirect:
    return await _to_stripe(request, creator.id, actor)


@get("/payments/refresh", guards=[requires_creator], name="portal:payments_refresh")
async def refresh_link(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Redirect:
    """Stripe sends people here when their onboarding link expired or was used: make a fresh one."""
    return await _to_stripe(request, creator.id, actor)


@get("/payments/return", guards=[requires_creator], name="portal:payments_return")
async def return_from_stripe(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Redirect:
    """Back from Stripe: read the account now, so the page says where things stand."""
    try:
        await refresh_payout_account(actor, creator.id, _connect(settings_of(request)))
    except (StripeUnavailable, InvalidInput):
        flash(request, "We'll update your payout status as soon as Stripe tells us.", category="info")
    return Redirect("/payments", status_code=303)


@post("/payments/dashboard", guards=[requires_creator], status_code=303)
async def open_dashboard(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Redirect:
    try:
        url = await dashboard_link(creator.id, _connect(settings_of(request)))
    except (StripeUnavailable, InvalidInput):
        url = None
    if url is None:
        flash(request, "Your Stripe dashboard opens once payout setup is submitted.", category="error")
        return Redirect("/payments", status_code=303)
    return Redirect(url, status_code=303)


HANDLERS = [payments_page, start_setup, refresh_link, return_from_stripe, open_dashboard, download_statement]
