"""Tax details: the creator's form on file (masked), and filling in a W-9 or W-8BEN on a phone, signed under
penalties of perjury. A refused form comes back with what was typed, except the TIN, which is never echoed."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.creators.queries import CreatorContext
from shared.errors import InvalidInput
from shared.tax.actions import do_submit_tax_profile
from shared.tax.queries import get_tax_page
from shared.tax.rules import (
    ADDRESS_MAX,
    ARTICLE_MAX,
    CITY_MAX,
    CLASSIFICATIONS,
    ESIGN_NOTE,
    FOREIGN_TIN_MAX,
    NAME_MAX,
    POSTAL_MAX,
    REGION_MAX,
    TIN_KINDS,
    TIN_TEXT_MAX,
    certification_hash,
    certification_text,
    tin_encryptor,
)
from shared.web.creator_auth import SIGNED_IN_WITH_KEY, settings_of
from shared.web.forms import Form, Text, read_form

_ADDRESS = {
    "address_line1": Text(max_length=ADDRESS_MAX),
    "address_line2": Text(max_length=ADDRESS_MAX),
    "city": Text(max_length=CITY_MAX),
    "region": Text(max_length=REGION_MAX),
    "postal_code": Text(max_length=POSTAL_MAX),
}
_SIGNATURE = {
    "signed_name": Text(max_length=NAME_MAX),
    "certify": Text(max_length=10),
    "certification_sha256": Text(max_length=64),
}
# Every field is bounded here and judged by shared.tax.rules, so one refusal shows every message at once.
W9_FORM = Form(
    legal_name=Text(max_length=NAME_MAX),
    business_name=Text(max_length=NAME_MAX),
    classification=Text(max_length=20),
    tin_kind=Text(max_length=10),
    tin=Text(max_length=TIN_TEXT_MAX),
    **_ADDRESS,
    **_SIGNATURE,
)
W8BEN_FORM = Form(
    legal_name=Text(max_length=NAME_MAX),
    citizenship=Text(max_length=2),
    country=Text(max_length=2),
    foreign_tin=Text(max_length=FOREIGN_TIN_MAX),
    treaty_country=Text(max_length=2),
    treaty_article=Text(max_length=ARTICLE_MAX),
    treaty_rate=Text(max_length=6),
    **_ADDRESS,
    **_SIGNATURE,
)
SECRET_FIELDS = ("tin", "foreign_tin")  # never put back in a page


def _user_agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")[:500]


@get("/tax", guards=[requires_creator], name="portal:tax")
async def tax_page(creator: NamedDependency[CreatorContext]) -> Template:
    return Template("portal/tax.html", context={"page": await get_tax_page(creator.id)})


async def _form_page(creator: CreatorContext, kind: str, *, form: dict[str, str] | None = None,
                     errors: dict[str, str] | None = None, status: int = 200) -> Template:  # fmt: skip
    page = await get_tax_page(creator.id)
    if form is None:
        form = page.prefill if page.prefill.get("form") == kind else {}
    shown = {k: v for k, v in form.items() if k not in SECRET_FIELDS}
    return Template(
        "portal/tax_form.html",
        context={
            "kind": kind,
            "current": page.current,
            "form": shown,
            "errors": errors or {},
            "classifications": CLASSIFICATIONS,
            "tin_kinds": TIN_KINDS,
            "certification": certification_text(kind),
            "certification_sha256": certification_hash(kind),
            "esign_note": ESIGN_NOTE,
        },
        status_code=status,
    )


@get("/tax/w9", guards=[requires_creator])
async def w9_page(creator: NamedDependency[CreatorContext]) -> Template:
    return await _form_page(creator, "w9")


@get("/tax/w8ben", guards=[requires_creator])
async def w8ben_page(creator: NamedDependency[CreatorContext]) -> Template:
    return await _form_page(creator, "w8ben")


async def _submit(request: Request[Any, Any, Any], creator: CreatorContext, actor: Actor, kind: str
                  ) -> Template | Redirect:  # fmt: skip
    form = await read_form(request)
    try:
        form.check()
        await do_submit_tax_profile(
            actor,
            creator.id,
            tin_encryptor(settings_of(request).secret_key),
            kind=kind,
            values=form.values,
            identity=str(request.session.get(SIGNED_IN_WITH_KEY) or ""),
            user_agent=_user_agent(request),
        )
    except InvalidInput as exc:
        return await _form_page(creator, kind, form=form.text, errors=exc.errors, status=400)
    flash(request, "Saved. Your tax details serve every brand you work with.", category="success")
    return Redirect("/tax", status_code=303)


@post("/tax/w9", guards=[requires_creator], status_code=303, opt={"form": W9_FORM})
async def submit_w9(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    return await _submit(request, creator, actor, "w9")


@post("/tax/w8ben", guards=[requires_creator], status_code=303, opt={"form": W8BEN_FORM})
async def submit_w8ben(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    return await _submit(request, creator, actor, "w8ben")


HANDLERS: list[HTTPRouteHandler] = [tax_page, w9_page, w8ben_page, submit_w9, submit_w8ben]
