"""A creator's offers: the brief and the terms in plain language; accept, decline or counter; product seeding."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.campaigns.rules import BRIEF_FIELDS, DELIVERABLE_KINDS, KIND_LABELS, PLATFORMS, platform_label
from shared.collaborations.actions import (
    CreatorSide,
    check_counter_offer,
    do_accept_offer,
    do_confirm_receipt,
    do_decline_offer,
    do_give_shipping_address,
)
from shared.collaborations.board import CREATOR_STATUS_LABELS
from shared.collaborations.forms import terms_fields
from shared.collaborations.queries import get_offer_for_creator, list_creator_offers
from shared.collaborations.rules import DELIVERABLES_MAX, NOTE_MAX, STATUS_LABELS, terms_to_form
from shared.contracts.queries import contracts_for_collaboration
from shared.creators.queries import CreatorContext
from shared.errors import IllegalTransition, InvalidInput
from shared.messaging.queries import get_thread
from shared.messaging.rules import THREAD_BOX_SIZE
from shared.web.creator_auth import settings_of as portal_settings
from shared.web.creator_auth import token_encryptor
from shared.web.forms import Form, Text, read_form

CONTEXT = {
    "kinds": DELIVERABLE_KINDS,
    "kind_labels": KIND_LABELS,
    "platforms": PLATFORMS,
    "platform_label": platform_label,
    "deliverable_rows": range(DELIVERABLES_MAX),
    "status_labels": STATUS_LABELS,
    "deliverable_labels": CREATOR_STATUS_LABELS,
    "brief_fields": BRIEF_FIELDS,
}

DECLINE_FORM = Form(reason=Text(max_length=NOTE_MAX))
COUNTER_FORM = Form(**terms_fields(full=False))
# Shipment.address_enc holds the encrypted address; the action keeps it to 500 characters with its own words.
ADDRESS_FORM = Form(address=Text(max_length=1000, multiline=True))


def _url(collaboration_id: int) -> str:
    return f"/offers/{collaboration_id}"


@get("/offers", guards=[requires_creator])
async def offers_list(creator: NamedDependency[CreatorContext]) -> Template:
    return Template("portal/offers_list.html", context={"offers": await list_creator_offers(creator.id), **CONTEXT})


async def _page(
    request: Request[Any, Any, Any],
    creator: CreatorContext,
    collaboration_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    open_panel: str = "",
    status: int = 200,
) -> Template:
    """The offer page; after a rejected answer, with what was typed and the errors next to the fields."""
    # The creator's own address is readable to them (the same key encrypts it).
    offer = await get_offer_for_creator(
        creator.id, collaboration_id, address_key=token_encryptor(portal_settings(request))
    )
    return Template(
        "portal/offers_detail.html",
        context={
            "offer": offer,
            "thread": await get_thread(CreatorSide(creator.id), collaboration_id, limit=THREAD_BOX_SIZE),
            "contracts": [c for c in await contracts_for_collaboration(collaboration_id) if c.status != "draft"],
            "form": {**terms_to_form(offer.terms), **(form or {})} if open_panel != "counter" else (form or {}),
            "errors": errors or {},
            "open_panel": open_panel,
            **CONTEXT,
        },
        status_code=status,
    )


@get("/offers/{collaboration_id:int}", guards=[requires_creator])
async def offer_page(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], collaboration_id: FromPath[int]
) -> Template:
    return await _page(request, creator, collaboration_id)


def _refused(request: Request[Any, Any, Any], collaboration_id: int, exc: Exception) -> Redirect:
    flash(request, str(exc), category="error")
    return Redirect(_url(collaboration_id), status_code=303)


@post("/offers/{collaboration_id:int}/accept", guards=[requires_creator], status_code=303)
async def accept_offer(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Redirect:
    try:
        await do_accept_offer(actor, CreatorSide(creator.id), collaboration_id=collaboration_id)
    except IllegalTransition as exc:
        return _refused(request, collaboration_id, exc)
    flash(request, "You accepted. The deliverables and their dates are on your Work page.", category="success")
    return Redirect(_url(collaboration_id), status_code=303)


@post("/offers/{collaboration_id:int}/decline", guards=[requires_creator], status_code=303, opt={"form": DECLINE_FORM})
async def decline_offer(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_decline_offer(actor, creator.id, collaboration_id=collaboration_id, reason=form.values["reason"])
    except IllegalTransition as exc:
        return _refused(request, collaboration_id, exc)
    except InvalidInput as exc:
        return await _page(
            request, creator, collaboration_id, form=form.text, errors=exc.errors, open_panel="decline", status=400
        )
    flash(request, "You declined the offer. The brand sees your reason.", category="success")
    return Redirect(_url(collaboration_id), status_code=303)


@post("/offers/{collaboration_id:int}/counter", guards=[requires_creator], status_code=303, opt={"form": COUNTER_FORM})
async def counter_offer(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await check_counter_offer(actor, CreatorSide(creator.id), collaboration_id=collaboration_id, form=form.text)
    except IllegalTransition as exc:
        return _refused(request, collaboration_id, exc)
    except InvalidInput as exc:
        return await _page(
            request, creator, collaboration_id, form=form.text, errors=exc.errors, open_panel="counter", status=400
        )
    flash(request, "Counter-offer sent. The brand answers next; we'll tell you.", category="success")
    return Redirect(_url(collaboration_id), status_code=303)


@post("/offers/{collaboration_id:int}/address", guards=[requires_creator], status_code=303, opt={"form": ADDRESS_FORM})
async def give_address(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_give_shipping_address(
            actor,
            token_encryptor(portal_settings(request)),
            creator.id,
            collaboration_id=collaboration_id,
            address=form.values["address"],
        )
    except IllegalTransition as exc:
        return _refused(request, collaboration_id, exc)
    except InvalidInput as exc:
        return await _page(request, creator, collaboration_id, form=form.text, errors=exc.errors, status=400)
    flash(request, "Address saved. Only the people who ship your product can see it.", category="success")
    return Redirect(_url(collaboration_id), status_code=303)


@post("/offers/{collaboration_id:int}/received", guards=[requires_creator], status_code=303)
async def confirm_receipt(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Redirect:
    try:
        await do_confirm_receipt(actor, creator.id, collaboration_id=collaboration_id)
    except IllegalTransition as exc:
        return _refused(request, collaboration_id, exc)
    flash(request, "Thanks! The brand knows it arrived.", category="success")
    return Redirect(_url(collaboration_id), status_code=303)


HANDLERS: list[HTTPRouteHandler] = [
    offers_list,
    offer_page,
    accept_offer,
    decline_offer,
    counter_offer,
    give_address,
    confirm_receipt,
]
