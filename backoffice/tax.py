"""Tax in the back-office: the brand's payout hold (owners, next to the payment policy) and the year-end page
(finance and owners): what the brand paid each creator in a calendar year, the 1099-NEC ones flagged, and the
filing export, the only place a full TIN ever leaves Rapport."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import settings_of
from backoffice.guards import requires_role
from shared.audit.context import Actor
from shared.errors import NotFound
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.tax.actions import do_export_year_end, do_set_tax_hold
from shared.tax.queries import get_hold_setting, list_year_end
from shared.tax.rules import NEC_THRESHOLDS, tin_encryptor
from shared.web.forms import Flag, Form, read_form

OWNERS = requires_role(Role.OWNER)
MONEY_PEOPLE = requires_role(Role.OWNER, Role.FINANCE)

HOLD_FORM = Form(hold=Flag())


@get("/b/{brand_slug:str}/settings/tax", guards=[OWNERS])
async def tax_settings_page(brand: NamedDependency[BrandAccess]) -> Template:
    return Template(
        "backoffice/tax_settings.html", context={"brand": brand, "hold": await get_hold_setting(brand.brand_id)}
    )


@post("/b/{brand_slug:str}/settings/tax", guards=[OWNERS], status_code=303, opt={"form": HOLD_FORM})
async def save_tax_settings(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Redirect:
    form = await read_form(request)
    form.check()  # a checkbox: anything sent means "on"
    await do_set_tax_hold(actor, staff, brand_id=brand.brand_id, hold=form.values["hold"])
    flash(
        request,
        "Saved: payouts to US creators wait for their W-9."
        if form.values["hold"]
        else "Saved: no tax hold on payouts.",
        category="success",
    )
    return Redirect(f"/backoffice/b/{brand.brand_slug}/settings/tax", status_code=303)


def _year(year: int | None) -> int:
    this_year = dt.datetime.now(dt.UTC).year
    if year is None:
        return this_year - 1 if dt.datetime.now(dt.UTC).month == 1 else this_year  # January files last year
    if not 2000 <= year <= this_year:
        raise NotFound("No such year.")
    return year


@get("/b/{brand_slug:str}/year-end", guards=[MONEY_PEOPLE])
async def year_end_page(brand: NamedDependency[BrandAccess], year: FromQuery[int | None] = None) -> Template:
    return Template(
        "backoffice/tax_year_end.html",
        context={"brand": brand, "y": await list_year_end(brand.brand_id, _year(year)), "thresholds": NEC_THRESHOLDS},
    )


@get("/b/{brand_slug:str}/year-end/{year:int}/1099-nec.csv", guards=[MONEY_PEOPLE])
async def year_end_export(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    year: FromPath[int],
) -> Response[bytes]:
    filing = await do_export_year_end(
        actor, staff, tin_encryptor(settings_of(request).secret_key), brand_id=brand.brand_id, year=_year(year)
    )
    return Response(
        filing.data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filing.filename}"', "Cache-Control": "no-store"},
    )


HANDLERS: list[HTTPRouteHandler] = [tax_settings_page, save_tax_settings, year_end_page, year_end_export]
