"""Conversions for results: importing the shop's orders (CSV) and setting the rates earned media value uses.
Discount codes are given on a campaign's results page (backoffice/results.py)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import requires_role
from shared.audit.context import Actor
from shared.creators.rules import from_minor_units
from shared.errors import InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.results.conversions import (
    IMPORT_BYTES_MAX,
    IMPORTERS,
    RATE_FIELDS,
    do_import_orders,
    do_set_media_rates,
    get_media_rates,
    get_orders_overview,
)
from shared.results.rules import ORDER_COLUMNS, SHARERS
from shared.web.forms import Amount, Form, read_form

IMPORTING = requires_role(*IMPORTERS)
RATE_SETTERS = requires_role(*SHARERS)
RATES_FORM = Form(**{field: Amount(max_length=20) for field in RATE_FIELDS})


def _orders_url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/results/orders"


async def _orders_page(brand: BrandAccess, *, error: str = "", status: int = 200) -> Template:
    return Template(
        "backoffice/results_orders.html",
        context={
            "brand": brand,
            "overview": await get_orders_overview(brand.brand_id),
            "columns": ORDER_COLUMNS,
            "error": error,
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/results/orders", guards=[IMPORTING])
async def orders_page(brand: NamedDependency[BrandAccess]) -> Template:
    return await _orders_page(brand)


@post(
    "/b/{brand_slug:str}/results/orders",
    guards=[IMPORTING],
    status_code=303,
    request_max_body_size=IMPORT_BYTES_MAX + 1024 * 1024,
)
async def import_orders(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    """A file upload (multipart): the file is read here, its rows by the rules; a refused file imports nothing."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return await _orders_page(brand, error="Choose the CSV file of orders to import.", status=400)
    data = await upload.read(IMPORT_BYTES_MAX + 1)
    try:
        summary = await do_import_orders(actor, staff, brand.brand_id, data=data)
    except InvalidInput as exc:
        return await _orders_page(brand, error=str(exc), status=400)
    flash(request, summary.words(), category="success")
    return Redirect(_orders_url(brand), status_code=303)


async def _rates_page(
    brand: BrandAccess, *, form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> Template:
    rates = await get_media_rates(brand.brand_id)
    if form is None:
        form = {
            "per_thousand_views": from_minor_units(rates.per_thousand_views_minor, rates.currency),
            "per_engagement": from_minor_units(rates.per_engagement_minor, rates.currency),
            "per_click": from_minor_units(rates.per_click_minor, rates.currency),
        }
    return Template(
        "backoffice/results_rates.html",
        context={
            "brand": brand,
            "form": form,
            "errors": errors or {},
            "fields": RATE_FIELDS,
            "currency": rates.currency,
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/results/rates", guards=[RATE_SETTERS])
async def rates_page(brand: NamedDependency[BrandAccess]) -> Template:
    return await _rates_page(brand)


@post("/b/{brand_slug:str}/results/rates", guards=[RATE_SETTERS], status_code=303, opt={"form": RATES_FORM})
async def save_rates(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_set_media_rates(actor, staff, brand.brand_id, rates=form.values)
    except InvalidInput as exc:
        return await _rates_page(brand, form=form.text, errors=exc.errors, status=400)
    flash(request, "Media value rates saved; every campaign's earned media value uses them.", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/results/rates", status_code=303)


HANDLERS: list[HTTPRouteHandler] = [orders_page, import_orders, rates_page, save_rates]
