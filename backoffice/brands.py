"""Brands: the staff member's list, opening a new brand, and a brand's home."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import ALL_ROLES, requires_role, requires_staff
from shared.audit.context import Actor
from shared.errors import InvalidInput
from shared.identity.actions import do_create_brand
from shared.identity.queries import BrandAccess, StaffContext, list_brands_for_staff
from shared.identity.rules import CURRENCIES, ROLE_LABELS, can_create_brand
from shared.web.forms import Choice, Form, Text, read_form
from shared.workspace.chart import cost_chart, spend_chart
from shared.workspace.queries import get_home

BRAND_FORM = Form(
    name=Text(max_length=200),  # Brand.name
    currency=Choice(options=CURRENCIES, message=f"Choose one of: {', '.join(CURRENCIES)}."),
)


@get("/", guards=[requires_staff], name="backoffice:home")
async def brands_list(staff: NamedDependency[StaffContext]) -> Template:
    brands = await list_brands_for_staff(staff.id)
    return Template(
        "backoffice/brands_list.html",
        context={
            "brands": brands,
            "can_create": can_create_brand(is_admin=staff.is_admin, roles=staff.roles),
            "role_labels": ROLE_LABELS,
        },
    )


def _new_brand_page(form: dict[str, str], errors: dict[str, str], status: int = 200) -> Template:
    return Template(
        "backoffice/brands_new.html",
        context={"form": form, "errors": errors, "currencies": CURRENCIES},
        status_code=status,
    )


@get("/brands/new", guards=[requires_staff])
async def new_brand_page(staff: NamedDependency[StaffContext]) -> Template:
    return _new_brand_page({"currency": "USD"}, {})


@post("/brands", guards=[requires_staff], status_code=303, opt={"form": BRAND_FORM})
async def create_brand(
    request: Request[Any, Any, Any], staff: NamedDependency[StaffContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        brand = await do_create_brand(actor, staff, name=form.values["name"], currency=form.values["currency"])
    except InvalidInput as exc:
        return _new_brand_page(form.text, exc.errors, status=400)
    flash(request, f"{brand.name} is ready. You are its owner.", category="success")
    return Redirect(f"/backoffice/b/{brand.slug}", status_code=303)


@get("/b/{brand_slug:str}", guards=[requires_role(*ALL_ROLES)], name="backoffice:brand")
async def brand_home(brand: NamedDependency[BrandAccess], staff: NamedDependency[StaffContext]) -> Template:
    """What needs this person now at this brand, in the order their role needs it."""
    home = await get_home(brand.brand_id, brand.brand_slug, staff.id, brand.role)
    return Template(
        "backoffice/brand_home.html",
        context={
            "brand": brand,
            "home": home,
            "role_labels": ROLE_LABELS,
            "chart": spend_chart(home.spend),
            "cost_chart": cost_chart(home.spend),
        },
    )
