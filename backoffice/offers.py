"""Offers: inviting creators with terms, counter-offers, acceptance, withdrawal; product seeding."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import settings_of
from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.campaigns.queries import get_published_brief, list_open_campaigns
from shared.campaigns.rules import DELIVERABLE_KINDS, KIND_LABELS, PLATFORMS, deliverable_templates, platform_label
from shared.collaborations.actions import (
    BrandSide,
    check_counter_offer,
    check_send_offers,
    do_accept_offer,
    do_record_shipment,
    do_withdraw_offer,
)
from shared.collaborations.actions.cancelling import do_cancel_deal
from shared.collaborations.board import STATUS_LABELS as DELIVERABLE_LABELS
from shared.collaborations.forms import terms_fields
from shared.collaborations.queries import get_offer_for_brand, list_offer_candidates
from shared.collaborations.rules import (
    DELIVERABLES_MAX,
    MILESTONE_LABELS,
    NOTE_MAX,
    STATUS_LABELS,
    can_negotiate,
    can_see_shipping_address,
    terms_to_form,
)
from shared.contracts.queries import contracts_for_collaboration
from shared.crm.queries import list_roster
from shared.crm.rules import RosterFilters
from shared.crypto import Encryptor
from shared.errors import IllegalTransition, InvalidInput, NotFound
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.messaging.queries import get_thread
from shared.messaging.rules import THREAD_BOX_SIZE
from shared.payments.queries import get_money_at_stake
from shared.web.forms import INT32_MAX, Form, Id, Many, Text, read_form
from shared.web.ids import QueryId

NEGOTIATORS = requires_role(Role.OWNER, Role.MANAGER)
ANYONE_AT_BRAND = requires_role(*ALL_ROLES)

SEND_FORM = Form(
    campaign=Id(message="Choose one of your campaigns."),
    creator=Many(Id(message="Choose creators from the list.", error_on="creators"), max_items=200),
    **terms_fields(full=True),
)
COUNTER_FORM = Form(**terms_fields(full=True))
WITHDRAW_FORM = Form(reason=Text(max_length=NOTE_MAX))
CANCEL_FORM = Form(
    reason=Text(max_length=NOTE_MAX, multiline=True, required="Say why the deal is cancelled: the creator reads it.")
)
SHIPMENT_FORM = Form(carrier=Text(max_length=100), tracking_number=Text(max_length=100))  # Shipment's columns

TERMS_CONTEXT = {
    "kinds": DELIVERABLE_KINDS,
    "kind_labels": KIND_LABELS,
    "platforms": PLATFORMS,
    "platform_label": platform_label,
    "deliverable_rows": range(DELIVERABLES_MAX),
    "milestone_labels": MILESTONE_LABELS,
    "status_labels": STATUS_LABELS,
    "deliverable_labels": DELIVERABLE_LABELS,
}
DEFAULT_TERMS = {
    "pay_signing": "50",
    "pay_approval": "0",
    "pay_go_live": "50",
    "revision_rounds": "2",
    "review_days": "3",
}


def _offer_url(brand: BrandAccess, collaboration_id: int) -> str:
    return f"/backoffice/b/{brand.brand_slug}/offers/{collaboration_id}"


async def _brief_defaults(campaign_id: int | None) -> dict[str, str]:
    """An offer starts from the deliverables the campaign's published brief asks for."""
    form = dict(DEFAULT_TERMS)
    if campaign_id is None:
        return form
    try:
        brief = await get_published_brief(campaign_id)
    except NotFound:
        return form
    for index, template in enumerate(deliverable_templates(brief["content"])[:DELIVERABLES_MAX]):
        form[f"d{index}_kind"], form[f"d{index}_platform"] = template.kind, template.platform
        form[f"d{index}_title"] = template.description
    return form


async def _new_offer_page(
    brand: BrandAccess,
    *,
    campaign_id: int | None,
    creator_ids: list[int],
    q: str,
    form: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    campaigns = await list_open_campaigns(brand.brand_id)
    if campaign_id is None and len(campaigns) == 1:
        campaign_id = int(campaigns[0]["id"])
    chosen = await list_offer_candidates(brand.brand_id, creator_ids)
    found = (await list_roster(brand.brand_id, RosterFilters(q=q), limit=10)).rows if q.strip() else []
    return Template(
        "backoffice/offers_new.html",
        context={
            "brand": brand,
            "campaigns": campaigns,
            "campaign_id": campaign_id,
            "chosen": chosen,
            "chosen_ids": [row["id"] for row in chosen],
            "found": [row for row in found if row.id not in creator_ids],
            "q": q,
            "form": form,
            "errors": errors,
            **TERMS_CONTEXT,
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/offers/new", guards=[NEGOTIATORS])
async def new_offer_page(
    brand: NamedDependency[BrandAccess],
    campaign: QueryId = None,
    creator: FromQuery[list[int] | None] = None,
    q: FromQuery[str] = "",
) -> Template:
    return await _new_offer_page(
        brand,
        campaign_id=campaign,
        creator_ids=list(dict.fromkeys(i for i in creator or [] if 0 < i <= INT32_MAX)),  # ids, never out of range
        q=q,
        form=await _brief_defaults(campaign),
        errors={},
    )


@post("/b/{brand_slug:str}/offers", guards=[NEGOTIATORS], status_code=303, opt={"form": SEND_FORM})
async def send_offers(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    creator_ids: list[int] = list(dict.fromkeys(form.values["creator"]))
    campaign_id: int | None = form.values["campaign"]
    try:
        form.check()
        sent = await check_send_offers(
            actor,
            staff,
            brand_id=brand.brand_id,
            campaign_id=campaign_id or 0,
            creator_ids=creator_ids,
            form=form.text,
        )
    except InvalidInput as exc:
        return await _new_offer_page(
            brand, campaign_id=campaign_id, creator_ids=creator_ids, q="", form=form.text, errors=exc.errors, status=400
        )
    flash(request, f"Offer sent to {len(sent)} creator{'s' if len(sent) != 1 else ''}.", category="success")
    if len(sent) == 1:
        return Redirect(_offer_url(brand, sent[0]), status_code=303)
    return Redirect(f"/backoffice/b/{brand.brand_slug}/campaigns/{campaign_id}", status_code=303)


def _address_key(request: Request[Any, Any, Any], brand: BrandAccess) -> Encryptor | None:
    # Only the roles who ship products may read a creator's home address.
    return Encryptor(settings_of(request).secret_key) if can_see_shipping_address(brand.role) else None


async def _offer_page(
    request: Request[Any, Any, Any],
    brand: BrandAccess,
    staff: StaffContext,
    collaboration_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    counter: bool = False,
    status: int = 200,
) -> Template:
    """The offer page; after a rejected counter-offer or shipment, with what was typed and the errors."""
    offer = await get_offer_for_brand(brand.brand_id, collaboration_id, address_key=_address_key(request, brand))
    side = BrandSide(staff, brand.brand_id)
    return Template(
        "backoffice/offers_detail.html",
        context={
            "brand": brand,
            "offer": offer,
            "negotiates": can_negotiate(brand.role),
            "form": form if counter and form is not None else terms_to_form(offer.terms),
            "shipment_form": form if not counter else None,
            "errors": errors or {},
            "counter_open": counter,
            "thread": await get_thread(side, collaboration_id, limit=THREAD_BOX_SIZE),
            "contracts": await contracts_for_collaboration(collaboration_id),
            **TERMS_CONTEXT,
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/offers/{collaboration_id:int}", guards=[ANYONE_AT_BRAND])
async def offer_page(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    collaboration_id: FromPath[int],
) -> Template:
    return await _offer_page(request, brand, staff, collaboration_id)


async def _answer(request: Request[Any, Any, Any], brand: BrandAccess, collaboration_id: int, done: str) -> Redirect:
    flash(request, done, category="success")
    return Redirect(_offer_url(brand, collaboration_id), status_code=303)


@post("/b/{brand_slug:str}/offers/{collaboration_id:int}/accept", guards=[NEGOTIATORS], status_code=303)
async def accept_offer(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Redirect:
    try:
        await do_accept_offer(actor, BrandSide(staff, brand.brand_id), collaboration_id=collaboration_id)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_offer_url(brand, collaboration_id), status_code=303)
    return await _answer(
        request, brand, collaboration_id, "Accepted. The terms are frozen and the deliverables are due."
    )


@post(
    "/b/{brand_slug:str}/offers/{collaboration_id:int}/counter",
    guards=[NEGOTIATORS],
    status_code=303,
    opt={"form": COUNTER_FORM},
)
async def counter_offer(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await check_counter_offer(
            actor, BrandSide(staff, brand.brand_id), collaboration_id=collaboration_id, form=form.text
        )
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_offer_url(brand, collaboration_id), status_code=303)
    except InvalidInput as exc:
        return await _offer_page(
            request, brand, staff, collaboration_id, form=form.text, errors=exc.errors, counter=True, status=400
        )
    return await _answer(request, brand, collaboration_id, "Counter-offer sent. The creator answers next.")


@post(
    "/b/{brand_slug:str}/offers/{collaboration_id:int}/withdraw",
    guards=[NEGOTIATORS],
    status_code=303,
    opt={"form": WITHDRAW_FORM},
)
async def withdraw_offer(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_withdraw_offer(
            actor, BrandSide(staff, brand.brand_id), collaboration_id=collaboration_id, reason=form.values["reason"]
        )
    except (IllegalTransition, InvalidInput) as exc:
        flash(request, str(exc), category="error")
        return Redirect(_offer_url(brand, collaboration_id), status_code=303)
    return await _answer(request, brand, collaboration_id, "Offer withdrawn. You can send a new one later.")


async def _cancel_page(
    brand: BrandAccess,
    collaboration_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    offer = await get_offer_for_brand(brand.brand_id, collaboration_id)
    if "cancel" not in offer.verbs:
        raise NotFound("This deal can't be cancelled.")
    return Template(
        "backoffice/offers_cancel.html",
        context={
            "brand": brand,
            "offer": offer,
            "stake": await get_money_at_stake(brand.brand_id, collaboration_id),
            "contracts": await contracts_for_collaboration(collaboration_id),
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/offers/{collaboration_id:int}/cancel", guards=[NEGOTIATORS])
async def cancel_deal_page(brand: NamedDependency[BrandAccess], collaboration_id: FromPath[int]) -> Template:
    """The confirmation step: what cancelling does to the contract and the money, before anything happens."""
    return await _cancel_page(brand, collaboration_id)


@post(
    "/b/{brand_slug:str}/offers/{collaboration_id:int}/cancel",
    guards=[NEGOTIATORS],
    status_code=303,
    opt={"form": CANCEL_FORM},
)
async def cancel_deal(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Redirect | Template:
    form = await read_form(request)
    try:
        form.check()
        done = await do_cancel_deal(
            actor,
            BrandSide(staff, brand.brand_id),
            collaboration_id=collaboration_id,
            reason=form.values["reason"],
            user_agent=request.headers.get("user-agent", ""),
        )
    except InvalidInput as exc:
        return await _cancel_page(brand, collaboration_id, form=form.text, errors=exc.errors, status=400)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_offer_url(brand, collaboration_id), status_code=303)
    parts = ["Deal cancelled; the creator has been told."]
    if done.voided_contracts:
        parts.append("The unsigned contract was voided.")
    if done.cancelled_payables:
        n = len(done.cancelled_payables)
        parts.append(f"{n} payable{'s' if n != 1 else ''} not yet released {'were' if n != 1 else 'was'} cancelled.")
    return await _answer(request, brand, collaboration_id, " ".join(parts))


@post(
    "/b/{brand_slug:str}/offers/{collaboration_id:int}/shipment",
    guards=[NEGOTIATORS],
    status_code=303,
    opt={"form": SHIPMENT_FORM},
)
async def record_shipment(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_record_shipment(
            actor,
            BrandSide(staff, brand.brand_id),
            collaboration_id=collaboration_id,
            carrier=form.values["carrier"],
            tracking_number=form.values["tracking_number"],
        )
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_offer_url(brand, collaboration_id), status_code=303)
    except InvalidInput as exc:
        return await _offer_page(request, brand, staff, collaboration_id, form=form.text, errors=exc.errors, status=400)
    return await _answer(
        request, brand, collaboration_id, "Shipment recorded. The creator can follow the tracking number."
    )


HANDLERS: list[HTTPRouteHandler] = [
    new_offer_page,
    send_offers,
    offer_page,
    accept_offer,
    counter_offer,
    withdraw_offer,
    cancel_deal_page,
    cancel_deal,
    record_shipment,
]
