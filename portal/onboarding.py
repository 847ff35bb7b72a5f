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
from shared.creators.rules import WANT_LABELS, WANTS, from_minor_units
from shared.errors import InvalidInput
from shared.identity.rules import CURRENCIES


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


@post("/welcome", guards=[requires_creator], status_code=303)
async def save_onboarding(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    data = await request.form()
    form: dict[str, Any] = {key: value for key, value in data.items() if isinstance(value, str) and key != "wants"}
    form["wants"] = [value for value in data.getall("wants") if isinstance(value, str)] if "wants" in data else []
    try:
        await do_complete_onboarding(
            actor,
            creator.id,
            display_name=form.get("display_name", ""),
            email=form.get("email", ""),
            country=form.get("country", ""),
            niches=form.get("niches", ""),
            rate=form.get("rate", ""),
            currency=form.get("currency", ""),
            wants=form["wants"],
            content_preferences=form.get("content_preferences", ""),
        )
    except InvalidInput as exc:
        return _page(form, exc.errors, first_time=not creator.onboarded, status=400)
    flash(request, "Your profile is saved." if creator.onboarded else "Welcome to Rapport!", category="success")
    return Redirect("/home", status_code=303)
