"""Campaigns and their versioned briefs: list, create, edit, move along, write and publish the brief."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.campaigns.actions import (
    do_change_campaign_status,
    do_create_campaign,
    do_publish_brief,
    do_save_brief,
    do_update_campaign,
)
from shared.campaigns.overview import get_campaign_overview
from shared.campaigns.queries import get_campaign, list_brief_versions, list_campaigns
from shared.campaigns.rules import (
    BRIEF_DELIVERABLES_MAX,
    BRIEF_FIELDS,
    CAMPAIGN_MOVES,
    DELIVERABLE_KINDS,
    ITEM_MAX,
    KIND_LABELS,
    NAME_MAX,
    PLATFORMS,
    STATUS_LABELS,
    TEXT_MAX,
    CampaignStatus,
    brief_to_form,
    platform_label,
)
from shared.collaborations.queries import list_campaign_offers
from shared.collaborations.rules import STATUS_LABELS as OFFER_STATUS_LABELS
from shared.collaborations.rules import can_negotiate
from shared.creators.rules import from_minor_units
from shared.errors import IllegalTransition, InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import CURRENCIES, Role
from shared.web.forms import INT64_MAX, Amount, Choice, Date, Form, Text, read_form
from shared.web.ids import QueryId

PLANNERS = requires_role(Role.OWNER, Role.MANAGER)
ANYONE_AT_BRAND = requires_role(*ALL_ROLES)


# Campaign's columns: name varchar(200), objective text, budget_minor bigint, currency varchar(3), dates.
# The rules (shared.campaigns.rules) word the finer limits; Text columns are bounded at twice the rule's limit.
CAMPAIGN_FORM = Form(
    name=Text(max_length=NAME_MAX),
    objective=Text(max_length=2 * TEXT_MAX, multiline=True),
    budget=Amount(max_minor=INT64_MAX),
    currency=Choice(options=CURRENCIES, message=f"Choose one of: {', '.join(CURRENCIES)}."),
    starts_on=Date(),
    ends_on=Date(),
)
STATUS_FORM = Form(status=Choice(options=tuple(CampaignStatus), required=True, message="Choose a status."))
_ROW = "Choose both what to make and the platform for this deliverable."
BRIEF_FORM = Form(
    **{key: Text(max_length=2 * TEXT_MAX, multiline=True) for key, _label, _kind in BRIEF_FIELDS},
    **{
        f"t{i}_{name}": field
        for i in range(BRIEF_DELIVERABLES_MAX)
        for name, field in (
            ("kind", Choice(options=DELIVERABLE_KINDS, message=_ROW, error_on=f"t{i}")),
            ("platform", Choice(options=PLATFORMS, message=_ROW, error_on=f"t{i}")),
            ("description", Text(max_length=2 * ITEM_MAX, error_on=f"t{i}")),
        )
    },
)


def _campaign_url(brand: BrandAccess, campaign_id: int, tail: str = "") -> str:
    return f"/backoffice/b/{brand.brand_slug}/campaigns/{campaign_id}{tail}"


_LABELS = {
    "status_labels": STATUS_LABELS,
    "kinds": DELIVERABLE_KINDS,
    "kind_labels": KIND_LABELS,
    "platforms": PLATFORMS,
    "platform_label": platform_label,
    "offer_status_labels": OFFER_STATUS_LABELS,
}


@get("/b/{brand_slug:str}/campaigns", guards=[ANYONE_AT_BRAND])
async def campaigns_list(
    brand: NamedDependency[BrandAccess], archived: FromQuery[bool] = False, after: QueryId = None
) -> Template:
    page = await list_campaigns(brand.brand_id, include_archived=archived, after=after)
    return Template(
        "backoffice/campaigns_list.html",
        context={"brand": brand, "page": page, "archived": archived, "plans": can_negotiate(brand.role), **_LABELS},
    )


def _campaign_form_page(
    brand: BrandAccess, form: dict[str, str], errors: dict[str, str], *, campaign_id: int | None, status: int = 200
) -> Template:
    return Template(
        "backoffice/campaigns_form.html",
        context={"brand": brand, "form": form, "errors": errors, "currencies": CURRENCIES, "campaign_id": campaign_id},
        status_code=status,
    )


@get("/b/{brand_slug:str}/campaigns/new", guards=[PLANNERS])
async def new_campaign_page(brand: NamedDependency[BrandAccess]) -> Template:
    return _campaign_form_page(brand, {"currency": "USD"}, {}, campaign_id=None)


@post("/b/{brand_slug:str}/campaigns", guards=[PLANNERS], status_code=303, opt={"form": CAMPAIGN_FORM})
async def create_campaign(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        campaign_id = await do_create_campaign(actor, staff, brand_id=brand.brand_id, form=form.text)
    except InvalidInput as exc:
        return _campaign_form_page(brand, form.text, exc.errors, campaign_id=None, status=400)
    flash(request, "Campaign created. Next: write its brief.", category="success")
    return Redirect(_campaign_url(brand, campaign_id, "/brief"), status_code=303)


@get("/b/{brand_slug:str}/campaigns/{campaign_id:int}", guards=[ANYONE_AT_BRAND])
async def campaign_page(brand: NamedDependency[BrandAccess], campaign_id: FromPath[int]) -> Template:
    campaign = await get_campaign(brand.brand_id, campaign_id)
    versions = await list_brief_versions(campaign_id)
    published = next((v for v in versions if v.published_at is not None), None)
    return Template(
        "backoffice/campaigns_detail.html",
        context={
            "brand": brand,
            "campaign": campaign,
            "published": published,
            "working": versions[0] if versions and versions[0].published_at is None else None,
            "offers": await list_campaign_offers(brand.brand_id, campaign_id),
            "overview": await get_campaign_overview(brand.brand_id, campaign_id),
            "moves": sorted(CAMPAIGN_MOVES[CampaignStatus(campaign["status"])]),
            "plans": can_negotiate(brand.role),
            "brief_fields": BRIEF_FIELDS,
            **_LABELS,
        },
    )


@get("/b/{brand_slug:str}/campaigns/{campaign_id:int}/edit", guards=[PLANNERS])
async def edit_campaign_page(brand: NamedDependency[BrandAccess], campaign_id: FromPath[int]) -> Template:
    campaign = await get_campaign(brand.brand_id, campaign_id)
    form = {
        "name": campaign["name"],
        "objective": campaign["objective"],
        "budget": from_minor_units(campaign["budget_minor"], campaign["currency"]),
        "currency": campaign["currency"],
        "starts_on": campaign["starts_on"].isoformat() if campaign["starts_on"] else "",
        "ends_on": campaign["ends_on"].isoformat() if campaign["ends_on"] else "",
    }
    return _campaign_form_page(brand, form, {}, campaign_id=campaign_id)


@post(
    "/b/{brand_slug:str}/campaigns/{campaign_id:int}", guards=[PLANNERS], status_code=303, opt={"form": CAMPAIGN_FORM}
)
async def update_campaign(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    campaign_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_update_campaign(actor, staff, brand_id=brand.brand_id, campaign_id=campaign_id, form=form.text)
    except InvalidInput as exc:
        return _campaign_form_page(brand, form.text, exc.errors, campaign_id=campaign_id, status=400)
    flash(request, "Campaign saved.", category="success")
    return Redirect(_campaign_url(brand, campaign_id), status_code=303)


@post(
    "/b/{brand_slug:str}/campaigns/{campaign_id:int}/status",
    guards=[PLANNERS],
    status_code=303,
    opt={"form": STATUS_FORM},
)
async def change_campaign_status(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    campaign_id: FromPath[int],
) -> Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_change_campaign_status(
            actor, staff, brand_id=brand.brand_id, campaign_id=campaign_id, status=form.values["status"]
        )
    except (IllegalTransition, InvalidInput) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, f"The campaign is now {form.values['status']}.", category="success")
    return Redirect(_campaign_url(brand, campaign_id), status_code=303)


# --- the brief -------------------------------------------------------------------------------------


async def _brief_page(
    brand: BrandAccess, campaign_id: int, form: dict[str, str] | None, errors: dict[str, str], status: int = 200
) -> Template:
    campaign = await get_campaign(brand.brand_id, campaign_id)
    versions = await list_brief_versions(campaign_id)
    latest = versions[0] if versions else None
    return Template(
        "backoffice/campaigns_brief.html",
        context={
            "brand": brand,
            "campaign": campaign,
            "latest": latest,
            "form": form if form is not None else brief_to_form(latest.content if latest else {}),
            "errors": errors,
            "brief_fields": BRIEF_FIELDS,
            "template_rows": range(BRIEF_DELIVERABLES_MAX),
            **_LABELS,
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/campaigns/{campaign_id:int}/brief", guards=[PLANNERS])
async def brief_editor(brand: NamedDependency[BrandAccess], campaign_id: FromPath[int]) -> Template:
    return await _brief_page(brand, campaign_id, None, {})


@post(
    "/b/{brand_slug:str}/campaigns/{campaign_id:int}/brief",
    guards=[PLANNERS],
    status_code=303,
    opt={"form": BRIEF_FORM},
)
async def save_brief(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    campaign_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        number = await do_save_brief(actor, staff, brand_id=brand.brand_id, campaign_id=campaign_id, form=form.text)
    except InvalidInput as exc:
        return await _brief_page(brand, campaign_id, form.text, exc.errors, status=400)
    flash(request, f"Brief version {number} saved as a draft. Publish it when it is ready.", category="success")
    return Redirect(_campaign_url(brand, campaign_id, "/brief"), status_code=303)


@post("/b/{brand_slug:str}/campaigns/{campaign_id:int}/brief/publish", guards=[PLANNERS], status_code=303)
async def publish_brief(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    campaign_id: FromPath[int],
) -> Redirect:
    try:
        number = await do_publish_brief(actor, staff, brand_id=brand.brand_id, campaign_id=campaign_id)
    except (InvalidInput, IllegalTransition) as exc:
        flash(request, str(exc), category="error")
        return Redirect(_campaign_url(brand, campaign_id, "/brief"), status_code=303)
    flash(request, f"Brief version {number} is published. New offers point to it.", category="success")
    return Redirect(_campaign_url(brand, campaign_id), status_code=303)


@get("/b/{brand_slug:str}/campaigns/{campaign_id:int}/brief/versions", guards=[ANYONE_AT_BRAND])
async def brief_versions(brand: NamedDependency[BrandAccess], campaign_id: FromPath[int]) -> Template:
    campaign = await get_campaign(brand.brand_id, campaign_id)
    return Template(
        "backoffice/campaigns_versions.html",
        context={
            "brand": brand,
            "campaign": campaign,
            "versions": await list_brief_versions(campaign_id),
            "brief_fields": BRIEF_FIELDS,
            **_LABELS,
        },
    )


HANDLERS: list[HTTPRouteHandler] = [
    campaigns_list,
    new_campaign_page,
    create_campaign,
    campaign_page,
    edit_campaign_page,
    update_campaign,
    change_campaign_status,
    brief_editor,
    save_brief,
    publish_brief,
    brief_versions,
]
