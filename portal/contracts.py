"""Contracts on the creator's side: the list, the phone-first sign page (document, plain summary, ESIGN consent,
typed legal name, intent, Sign), declining, and the PDFs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.contracts.actions import (
    FreshSignInRequired,
    do_decline_contract,
    do_download_contract,
    do_record_view,
    do_sign_contract,
)
from shared.contracts.documents import plain_summary, renewal_summary
from shared.contracts.queries import get_contract, list_creator_contracts
from shared.contracts.rules import (
    ESIGN_CONSENT_TEXT,
    ESIGN_CONSENT_VERSION,
    LEGAL_NAME_MAX,
    REASON_MAX,
    consent_hash,
    sign_in_is_fresh,
)
from shared.creators.queries import CreatorContext
from shared.errors import IllegalTransition, InvalidInput, NotFound
from shared.web.creator_auth import SIGNED_IN_AT_KEY, SIGNED_IN_WITH_KEY
from shared.web.forms import Form, Text, read_form
from shared.web.local_storage import StorageDependency

# The boxes are sent as "yes" when ticked; the page's hash of the consent text is 64 hex characters.
SIGN_FORM = Form(
    legal_name=Text(max_length=LEGAL_NAME_MAX),
    consent=Text(max_length=10),
    consent_sha256=Text(max_length=64),
    intent=Text(max_length=10),
)
DECLINE_FORM = Form(reason=Text(max_length=REASON_MAX, multiline=True))


def _user_agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")[:500]


def _signed_in_at(request: Request[Any, Any, Any]) -> dt.datetime | None:
    raw = request.session.get(SIGNED_IN_AT_KEY)
    try:
        return dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _reauth_url(request: Request[Any, Any, Any], contract_id: int) -> str:
    provider = str(request.session.get(SIGNED_IN_WITH_KEY) or "").partition(":")[0]
    target = f"/contracts/{contract_id}"
    return f"/auth/{provider}/signin?next={target}" if provider else f"/signin?next={target}"


@get("/contracts", guards=[requires_creator])
async def contracts_list(creator: NamedDependency[CreatorContext]) -> Template:
    return Template("portal/contracts_list.html", context={"contracts": await list_creator_contracts(creator.id)})


async def _page(
    request: Request[Any, Any, Any],
    creator: CreatorContext,
    contract_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    contract = await get_contract(contract_id)
    if contract is None or contract.creator_id != creator.id or contract.status == "draft":
        raise NotFound("No such contract.")
    expires_on = contract.expires_at.date() if contract.expires_at else None
    return Template(
        "portal/contracts_sign.html",
        context={
            "contract": contract,
            "summary": renewal_summary(contract.renewal, brand_name=contract.brand_name, expires_on=expires_on)
            if contract.renewal
            else plain_summary(
                contract.terms,
                brand_name=contract.brand_name,
                governing_law=contract.governing_law,
                expires_on=expires_on,
            ),
            "consent_text": ESIGN_CONSENT_TEXT,
            "consent_version": ESIGN_CONSENT_VERSION,
            "consent_sha256": consent_hash(),
            "fresh": sign_in_is_fresh(_signed_in_at(request), dt.datetime.now(dt.UTC)),
            "reauth_url": _reauth_url(request, contract_id),
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status,
    )


@get("/contracts/{contract_id:int}", guards=[requires_creator])
async def contract_page(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    contract_id: FromPath[int],
) -> Template:
    await do_record_view(actor, creator.id, contract_id=contract_id, user_agent=_user_agent(request))
    return await _page(request, creator, contract_id)


@post("/contracts/{contract_id:int}/sign", guards=[requires_creator], status_code=303, opt={"form": SIGN_FORM})
async def sign_contract(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    contract_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_sign_contract(
            actor,
            creator.id,
            contract_id=contract_id,
            legal_name=form.values["legal_name"],
            consent=form.values["consent"] == "yes",
            consent_sha256=form.values["consent_sha256"],
            intent=form.values["intent"] == "yes",
            signed_in_at=_signed_in_at(request),
            identity=str(request.session.get(SIGNED_IN_WITH_KEY) or ""),
            user_agent=_user_agent(request),
        )
    except FreshSignInRequired as exc:
        flash(request, str(exc), category="error")
        return Redirect(_reauth_url(request, contract_id), status_code=303)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(f"/contracts/{contract_id}", status_code=303)
    except InvalidInput as exc:
        return await _page(request, creator, contract_id, form=form.text, errors=exc.errors, status=400)
    flash(request, "Signed. The brand countersigns next; you'll get the executed PDF.", category="success")
    return Redirect(f"/contracts/{contract_id}", status_code=303)


@post("/contracts/{contract_id:int}/decline", guards=[requires_creator], status_code=303, opt={"form": DECLINE_FORM})
async def decline_contract(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    contract_id: FromPath[int],
) -> Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_decline_contract(
            actor, creator.id, contract_id=contract_id, reason=form.values["reason"], user_agent=_user_agent(request)
        )
    except (IllegalTransition, InvalidInput) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Declined. The brand has been told why.", category="success")
    return Redirect(f"/contracts/{contract_id}", status_code=303)


@get("/contracts/{contract_id:int}/pdf", guards=[requires_creator])
async def contract_pdf(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    contract_id: FromPath[int],
) -> Response[bytes]:
    contract = await get_contract(contract_id)
    if contract is None or contract.creator_id != creator.id or contract.status == "draft":
        raise NotFound("No such contract.")
    pdf = await do_download_contract(actor, contract, storage, user_agent=_user_agent(request), creator_id=creator.id)
    return Response(
        pdf.data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"', "Cache-Control": "no-store"},
    )


HANDLERS: list[HTTPRouteHandler] = [contracts_list, contract_page, sign_contract, decline_contract, contract_pdf]
