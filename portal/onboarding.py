"""Onboarding after the first sign-in (and editing the same answers later): a short, phone-sized form."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.creators.actions import do_complete_onboarding
from shared.creators.queries import CreatorContext, get_creator_profile
from shared.creators.rules import PREFERENCES_MAX, WANT_LABELS, WANTS, from_minor_units
from shared.errors import InvalidInput
from shared.identity.rules import CURRENCIES
from shared.web.forms import INT32_MAX, Amount, Choice, Form, Many, Text, read_form

# Creator's columns: display_name varchar(200), email varchar(320), country varchar(2) (typed loosely, the
# rule reads the two letters), niches of 50, rate_minor int4, wants of 20. The rules word the finer limits.
ONBOARDING_FORM = Form(
    display_name=Text(max_length=200),
    email=Text(max_length=320),
    country=Text(max_length=10),
    niches=Text(max_length=1000),
    rate=Amount(max_minor=INT32_MAX),
    currency=Choice(options=CURRENCIES, message=f"Choose one of: {', '.join(CURRENCIES)}."),
    wants=Many(
        Choice(options=WANTS, message="Choose at least one: money, products or exposure.", error_on="wants"),
        max_items=len(WANTS),
    ),
    content_preferences=Text(max_length=2 * PREFERENCES_MAX, multiline=True),
)


def _page(form: dict[str, Any], errors: dict[str, str], *, first_time: bool, status: int = 200) -> Template:
    return Template(
        "portal/onboarding.html",
        context={
            "form": form,
            "errors": errors,
            "currencies": CURRENCIES,
            "wants": WANTS,
            "want_labels": WANT_LABELS,
            "first_time": first_time,
        },
        status_code=status,
    )


@get("/welcome", guards=[requires_creator], name="portal:onboarding")
async def onboarding_page(creator: NamedDependency[CreatorContext]) -> Template:
    profile = await get_creator_profile(creator.id)
    form = {
        "display_name": profile["display_name"],
        "email": profile["email"] or "",
        "country": profile["country"] or "",
        "niches": ", ".join(profile["niches"] or []),
        "rate": from_minor_units(profile["rate_minor"], profile["rate_currency"]),
        "currency": profile["rate_currency"],
        "wants": list(profile["wants"] or []),
        "content_preferences": profile["content_preferences"],
    }
    return _page(form, {}, first_time=not creator.onboarded)


@post("/welcome", guards=[requires_creator], status_code=303, opt={"form": ONBOARDING_FORM})
async def save_onboarding(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    form = await read_form(request)
    values = form.values
    try:
        form.check()
        await do_complete_onboarding(
            actor,
            creator.id,
            display_name=values["display_name"],
            email=values["email"],
            country=values["country"],
            niches=values["niches"],
            rate=values["rate"],
            currency=values["currency"],
            wants=values["wants"],
            content_preferences=values["content_preferences"],
        )
    except InvalidInput as exc:
        kept: dict[str, Any] = {**form.text, "wants": values["wants"]}
        return _page(kept, exc.errors, first_time=not creator.onboarded, status=400)
    flash(request, "Your profile is saved." if creator.onboarded else "Welcome to Rapport!", category="success")
    return Redirect("/home", status_code=303)
