"""A creator's usage rights: which of their content each brand may use, where, and until when; and the renewals the
brands propose (accept, counter with another day or fee, or decline; accepted, the amendment is signed next)."""

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
from shared.contracts.actions import contract_tools
from shared.creators.queries import CreatorContext
from shared.dates import TIME_ZONE_MAX, today_in
from shared.errors import IllegalTransition, InvalidInput, NotFound
from shared.identity.actions import do_set_time_zone
from shared.rights.queries import list_creator_assets
from shared.rights.renewals import RenewalSide, check_counter_renewal, do_accept_renewal, do_decline_renewal
from shared.rights.rules import REASON_MAX, day_text
from shared.web.creator_auth import settings_of
from shared.web.forms import INT64_MAX, Amount, Date, Form, Text, read_form
from shared.web.local_storage import StorageDependency

TIME_ZONE_FORM = Form(time_zone=Text(max_length=TIME_ZONE_MAX))
COUNTER_FORM = Form(
    ends_on=Date(required="Give the last day you agree to."),
    fee=Amount(max_minor=INT64_MAX),
    note=Text(max_length=REASON_MAX * 2, multiline=True),
)


async def _rights_page(
    creator: CreatorContext,
    *,
    renewal_id: int | None = None,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    today = today_in(creator.time_zone)  # their day: windows are whole days in their zone
    assets = await list_creator_assets(creator.id, today=today)
    if renewal_id is not None and not any(a.renewal and a.renewal.id == renewal_id for a in assets):
        raise NotFound("No such renewal.")  # another creator's: as if it did not exist, whatever the form said
    return Template(
        "portal/rights.html",
        context={
            "assets": assets,
            "today": day_text(today),
            "zone": creator.time_zone or "UTC",
            "time_zone": creator.time_zone,
            "day_text": day_text,
            "renewal_id": renewal_id,
            "form": form or {},
            "errors": errors or {},
        },
        status_code=status,
    )


@get("/rights", guards=[requires_creator])
async def rights_page(creator: NamedDependency[CreatorContext]) -> Template:
    return await _rights_page(creator)


@post("/rights/renewals/{renewal_id:int}/accept", guards=[requires_creator], status_code=303)
async def accept_renewal(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    renewal_id: FromPath[int],
) -> Redirect:
    tools = contract_tools(settings_of(request), storage)
    try:
        contract_id = await do_accept_renewal(actor, RenewalSide.creator(creator.id), tools, renewal_id)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect("/rights", status_code=303)
    flash(request, "Renewal accepted. Sign the amendment below; the brand countersigns it next.", category="success")
    return Redirect(f"/contracts/{contract_id}", status_code=303)


@post(
    "/rights/renewals/{renewal_id:int}/counter",
    guards=[requires_creator],
    status_code=303,
    opt={"form": COUNTER_FORM},
)
async def counter_renewal(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    renewal_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await check_counter_renewal(
            actor,
            RenewalSide.creator(creator.id),
            renewal_id,
            ends_on=form.values["ends_on"],
            fee=form.values["fee"],
            note=form.values["note"],
        )
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect("/rights", status_code=303)
    except InvalidInput as exc:
        return await _rights_page(creator, renewal_id=renewal_id, form=form.text, errors=exc.errors, status=400)
    flash(request, "Counter-offer sent: the brand answers next. The current end date stands.", category="success")
    return Redirect("/rights", status_code=303)


@post("/rights/renewals/{renewal_id:int}/decline", guards=[requires_creator], status_code=303)
async def decline_renewal(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    renewal_id: FromPath[int],
) -> Redirect:
    try:
        await do_decline_renewal(actor, RenewalSide.creator(creator.id), renewal_id)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Renewal declined.", category="success")
    return Redirect("/rights", status_code=303)


@post("/rights/time-zone", guards=[requires_creator], status_code=303, opt={"form": TIME_ZONE_FORM})
async def set_time_zone(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_set_time_zone(actor, "creator", creator.id, zone=form.values["time_zone"])
    except InvalidInput as exc:
        return await _rights_page(creator, form=form.text, errors=exc.errors, status=400)
    flash(request, "Time zone saved: dates here are read in it.", category="success")
    return Redirect("/rights", status_code=303)


HANDLERS: list[HTTPRouteHandler] = [rights_page, accept_renewal, counter_renewal, decline_renewal, set_time_zone]
