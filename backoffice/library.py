"""The content library: the brand's approved and live assets, what each may be used for and until when, filters
("usable now for paid social in US", expiring, expired), and renewing or revoking a grant."""

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
from shared.contracts.actions import contract_tools
from shared.dates import today_in
from shared.errors import IllegalTransition, InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.integrations.storage import Storage
from shared.rights.actions import check_download, do_extend_grant, do_revoke_grant
from shared.rights.queries import LibraryFilters, library_choices, list_library, read_library_filters
from shared.rights.renewals import (
    RenewalSide,
    check_counter_renewal,
    check_propose_renewal,
    do_accept_renewal,
    do_decline_renewal,
)
from shared.rights.rules import (
    CHANNEL_LABELS,
    CHANNELS,
    REASON_MAX,
    can_manage_rights,
    day_text,
)
from shared.web.forms import INT64_MAX, Amount, Choice, Date, Form, Text, read_form
from shared.web.ids import QueryId
from shared.web.local_storage import StorageDependency

ANYONE_AT_BRAND = requires_role(*ALL_ROLES)
MANAGERS = requires_role(Role.OWNER, Role.MANAGER)

EXTEND_FORM = Form(
    ends_on=Date(required="Give the new last day of use."), reason=Text(max_length=REASON_MAX * 2, multiline=True)
)
PROPOSE_FORM = Form(
    ends_on=Date(required="Give the new last day of use."),
    fee=Amount(max_minor=INT64_MAX),
    note=Text(max_length=REASON_MAX * 2, multiline=True),
)
DOWNLOAD_FORM = Form(
    channel=Choice(options=CHANNELS, required="Say which channel the file is for."),
    country=Text(max_length=2, required="Say where it will run, like US."),
    reason=Text(max_length=REASON_MAX * 2, multiline=True),
)
COUNTER_FORM = Form(
    ends_on=Date(required="Give the last day of use you agree to."),
    fee=Amount(max_minor=INT64_MAX),
    note=Text(max_length=REASON_MAX * 2, multiline=True),
)
REVOKE_FORM = Form(reason=Text(max_length=REASON_MAX * 2, multiline=True, required="Say why the rights end."))


def _url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/library"


async def _library_page(
    brand: BrandAccess,
    staff: StaffContext,
    storage: Storage,
    filters: LibraryFilters,
    *,
    after: int | None = None,
    filter_errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    entry_id: int | None = None,
    which: str = "",
    asset_id: int | None = None,
    renewal_id: int | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    today = today_in(staff.time_zone)  # the viewer's day: windows are whole days in their zone
    return Template(
        "backoffice/library.html",
        context={
            "brand": brand,
            "page": await list_library(brand.brand_id, filters, today=today, after=after, storage=storage),
            "choices": await library_choices(brand.brand_id),
            "filters": filters,
            "filter_errors": filter_errors or {},
            "typed": typed or {},
            "channel_labels": CHANNEL_LABELS,
            "manages": can_manage_rights(brand.role),
            "today": today,
            "zone": staff.time_zone or "UTC",
            "day_text": day_text,
            "entry_id": entry_id,
            "which": which,
            "asset_id": asset_id,
            "renewal_id": renewal_id,
            "form": form or {},
            "errors": errors or {},
            "library_url": _url(brand),
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/library", guards=[ANYONE_AT_BRAND])
async def library(
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    storage: StorageDependency,
    campaign: FromQuery[str] = "",
    creator: FromQuery[str] = "",
    platform: FromQuery[str] = "",
    channel: FromQuery[str] = "",
    country: FromQuery[str] = "",
    expiring: FromQuery[str] = "",
    expired: FromQuery[str] = "",
    after: QueryId = None,
) -> Template:
    query = {"campaign": campaign, "creator": creator, "platform": platform, "channel": channel}
    query |= {"country": country, "expiring": expiring, "expired": expired}
    filters, errors = read_library_filters(query)
    return await _library_page(
        brand, staff, storage, filters, after=after, filter_errors=errors, typed=query, status=400 if errors else 200
    )


@post(
    "/b/{brand_slug:str}/library/grants/{entry_id:int}/extend",
    guards=[MANAGERS],
    status_code=303,
    opt={"form": EXTEND_FORM},
)
async def extend_grant(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    entry_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_extend_grant(
            actor, staff, brand.brand_id, entry_id, ends_on=form.values["ends_on"], reason=form.values["reason"]
        )
    except InvalidInput as exc:
        return await _library_page(
            brand,
            staff,
            storage,
            LibraryFilters(),
            entry_id=entry_id,
            which="extend",
            form=form.text,
            errors=exc.errors,
            status=400,
        )
    flash(request, f"Rights extended until {day_text(form.values['ends_on'])}.", category="success")
    return Redirect(_url(brand), status_code=303)


@post(
    "/b/{brand_slug:str}/library/grants/{entry_id:int}/revoke",
    guards=[MANAGERS],
    status_code=303,
    opt={"form": REVOKE_FORM},
)
async def revoke_grant(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    entry_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_revoke_grant(actor, staff, brand.brand_id, entry_id, reason=form.values["reason"])
    except InvalidInput as exc:
        return await _library_page(
            brand,
            staff,
            storage,
            LibraryFilters(),
            entry_id=entry_id,
            which="revoke",
            form=form.text,
            errors=exc.errors,
            status=400,
        )
    flash(request, "Rights revoked: the content may no longer be used under that grant.", category="success")
    return Redirect(_url(brand), status_code=303)


@post(
    "/b/{brand_slug:str}/library/{deliverable_id:int}/download",
    guards=[MANAGERS],
    status_code=303,
    opt={"form": DOWNLOAD_FORM},
)
async def download_original(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        url = await check_download(
            actor,
            staff,
            brand.brand_id,
            deliverable_id,
            channel=form.values["channel"],
            country=form.values["country"],
            reason=form.values["reason"],
            storage=storage,
        )
    except InvalidInput as exc:
        return await _library_page(
            brand,
            staff,
            storage,
            LibraryFilters(),
            asset_id=deliverable_id,
            form=form.text,
            errors=exc.errors,
            status=400,
        )
    return Redirect(url, status_code=303)


@post(
    "/b/{brand_slug:str}/library/grants/{entry_id:int}/propose",
    guards=[MANAGERS],
    status_code=303,
    opt={"form": PROPOSE_FORM},
)
async def propose_renewal(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    entry_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await check_propose_renewal(
            actor,
            staff,
            brand.brand_id,
            entry_id,
            ends_on=form.values["ends_on"],
            fee=form.values["fee"],
            note=form.values["note"],
        )
    except InvalidInput as exc:
        return await _library_page(
            brand,
            staff,
            storage,
            LibraryFilters(),
            entry_id=entry_id,
            which="propose",
            form=form.text,
            errors=exc.errors,
            status=400,
        )
    flash(request, "Renewal proposed: the creator is asked to accept it.", category="success")
    return Redirect(_url(brand), status_code=303)


@post("/b/{brand_slug:str}/library/renewals/{renewal_id:int}/accept", guards=[MANAGERS], status_code=303)
async def accept_renewal(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    renewal_id: FromPath[int],
) -> Redirect:
    tools = contract_tools(settings_of(request), storage)
    try:
        contract_id = await do_accept_renewal(actor, RenewalSide.brand(staff, brand.brand_id), tools, renewal_id)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_url(brand), status_code=303)
    flash(request, "Counter-offer accepted: the amendment is sent to the creator to sign.", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/contracts/{contract_id}", status_code=303)


@post(
    "/b/{brand_slug:str}/library/renewals/{renewal_id:int}/counter",
    guards=[MANAGERS],
    status_code=303,
    opt={"form": COUNTER_FORM},
)
async def counter_renewal(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    renewal_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await check_counter_renewal(
            actor,
            RenewalSide.brand(staff, brand.brand_id),
            renewal_id,
            ends_on=form.values["ends_on"],
            fee=form.values["fee"],
            note=form.values["note"],
        )
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_url(brand), status_code=303)
    except InvalidInput as exc:
        return await _library_page(
            brand,
            staff,
            storage,
            LibraryFilters(),
            renewal_id=renewal_id,
            form=form.text,
            errors=exc.errors,
            status=400,
        )
    flash(request, "Counter-offer sent: the creator answers next.", category="success")
    return Redirect(_url(brand), status_code=303)


@post("/b/{brand_slug:str}/library/renewals/{renewal_id:int}/decline", guards=[MANAGERS], status_code=303)
async def decline_renewal(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    renewal_id: FromPath[int],
) -> Redirect:
    try:
        await do_decline_renewal(actor, RenewalSide.brand(staff, brand.brand_id), renewal_id)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Counter-offer declined: the rights end as agreed.", category="success")
    return Redirect(_url(brand), status_code=303)


HANDLERS: list[HTTPRouteHandler] = [
    library,
    extend_grant,
    revoke_grant,
    download_original,
    propose_renewal,
    accept_renewal,
    counter_renewal,
    decline_renewal,
]
