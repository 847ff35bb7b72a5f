"""Renewing linked accounts' access before it expires (run by the periodic job in shared/jobs.py).

A provider that refuses the refresh token (revoked, expired, app removed) leaves the account
marked "reconnect_needed": the portal then asks the creator to reconnect it. A provider that
cannot be reached is retried on the next run instead.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from shared.audit.context import system_actor
from shared.creators.actions import do_mark_reconnect_needed, do_store_refreshed_tokens
from shared.creators.queries import list_identities_due_for_refresh
from shared.crypto import Encryptor
from shared.integrations.oauth import OAuthFailure, ProviderUnreachable
from shared.integrations.oauth_providers import renew_tokens, sign_in_providers
from shared.settings import Settings

log = logging.getLogger(__name__)

# Renew tokens that expire within this window, so they never lapse between two runs.
REFRESH_AHEAD = dt.timedelta(minutes=20)


@dataclass(frozen=True)
class RefreshReport:
    refreshed: int = 0
    reconnect_needed: int = 0
    skipped: int = 0


async def refresh_expiring_tokens(settings: Settings, *, ahead: dt.timedelta = REFRESH_AHEAD) -> RefreshReport:
    """Refresh every active linked account whose access token expires within `ahead`."""
    actor = system_actor("token refresh")
    encryptor = Encryptor(settings.secret_key)
    providers = {p.name: p for p in sign_in_providers(settings)}
    refreshed = reconnect = skipped = 0
    for due in await list_identities_due_for_refresh(expiring_before=dt.datetime.now(dt.UTC) + ahead):
        provider = providers.get(due.provider)
        if provider is None:
            skipped += 1  # provider no longer configured: nothing to ask
            continue
        refresh_token = encryptor.decrypt(due.refresh_token_enc)
        if refresh_token is None:
            await do_mark_reconnect_needed(actor, due.identity_id, "stored token unreadable (SECRET_KEY changed)")
            reconnect += 1
            continue
        try:
            tokens = await renew_tokens(provider, refresh_token)
        except ProviderUnreachable:
            skipped += 1
            log.warning("provider unreachable for token refresh", extra={"provider": provider.name})
            continue
        except OAuthFailure as exc:
            await do_mark_reconnect_needed(actor, due.identity_id, str(exc))
            reconnect += 1
            continue
        await do_store_refreshed_tokens(actor, due.identity_id, tokens, encryptor)
        refreshed += 1
    return RefreshReport(refreshed, reconnect, skipped)
