"""Linked social accounts: link another provider, unlink one, reconnect one that needs it."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.auth import start_authorization
from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.creators.actions import do_unlink_social_identity
from shared.creators.queries import CreatorContext, list_linked_accounts
from shared.creators.rules import PLATFORM_LABELS
from shared.errors import InvalidInput
from shared.web.creator_auth import creator_provider, creator_providers, settings_of


@get("/accounts", guards=[requires_creator], name="portal:accounts")
async def accounts_page(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Template:
    accounts = await list_linked_accounts(creator.id)
    providers = creator_providers(settings_of(request))
    labels = {**PLATFORM_LABELS, **{p.name: p.label for p in providers}}
    return Template(
        "portal/accounts.html",
        context={
            "accounts": accounts,
            "providers": providers,
            "labels": labels,
            "provider_names": {p.name for p in providers},
            "can_unlink": len(accounts) > 1,
        },  # the action has the last word
    )


@post("/accounts/link/{provider:str}", guards=[requires_creator], status_code=303)
async def link_account(
    request: Request[Any, Any, Any], provider: FromPath[str], creator: NamedDependency[CreatorContext]
) -> Template | Redirect:
    config = creator_provider(settings_of(request), provider)
    if config is None:
        raise NotFoundException("No such sign-in provider.")
    return await start_authorization(request, config, purpose="link")


@post("/accounts/{identity_id:int}/unlink", guards=[requires_creator], status_code=303)
async def unlink_account(
    request: Request[Any, Any, Any],
    identity_id: FromPath[int],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
) -> Redirect:
    try:
        sign_in_providers = [p.name for p in creator_providers(settings_of(request))]
        await do_unlink_social_identity(actor, creator.id, identity_id, sign_in_providers=sign_in_providers)
    except InvalidInput as exc:
        flash(request, str(exc), category="error")
        return Redirect("/accounts", status_code=303)
    flash(request, "The account is unlinked.", category="success")
    return Redirect("/accounts", status_code=303)
