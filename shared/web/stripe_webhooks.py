"""POST /webhooks/stripe: Stripe's events, verified on the raw body, stored once, processed by a job.

The signature is checked with the platform endpoint's secret and the Connect endpoint's secret
(timestamps older than five minutes are refused). A bad signature is a 400 and stores nothing.
The event id is unique: a duplicate delivery answers 200 and does nothing more.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, post

from shared.integrations.stripe_connect import BadSignature, StripeConnect, is_configured
from shared.payouts.actions import do_receive_stripe_event
from shared.web.creator_auth import settings_of
from shared.web.guards import allow_anyone

log = logging.getLogger(__name__)


@post("/webhooks/stripe", guards=[allow_anyone], status_code=200, name="stripe_webhook")
async def stripe_webhook(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """Anyone may call it: only a valid signature makes it do anything."""
    settings = settings_of(request)
    if not is_configured(settings):
        return Response({"error": "Stripe is not configured"}, status_code=400)
    payload = await request.body()
    try:
        event = StripeConnect(settings).verify_event(payload, request.headers.get("stripe-signature"))
    except BadSignature as exc:
        log.warning("stripe webhook refused", extra={"reason": str(exc)})
        return Response({"error": "invalid signature"}, status_code=400)
    stored = await do_receive_stripe_event(event)
    return Response({"received": True, "duplicate": not stored}, status_code=200)
