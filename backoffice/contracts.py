"""Contracts on the brand side: generate from an accepted offer, list by state, send, countersign with TOTP,
void, download the PDFs."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import encryptor_of, settings_of
from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.contracts.actions import (
    EXPIRY_DAYS_MAX,
    BrandSide,
    SecondFactorRequired,
    contract_tools,
    do_countersign_contract,
    do_download_contract,
    do_generate_contract,
    do_save_template,
    do_send_contract,
    do_void_contract,
)
from shared.contracts.documents import DEFAULT_TEMPLATE, FIELD_HELP, TEMPLATE_MAX, render_body, sample_fields
from shared.contracts.evidence import contract_events, verify_chain
from shared.contracts.queries import get_contract, list_brand_contracts, list_templates
from shared.contracts.rules import REASON_MAX, STATUS_LABELS, Status, can_manage_contracts
from shared.errors import IllegalTransition, InvalidInput, NotFound
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.identity.throttle import TooManyAttempts
from shared.web.forms import Form, Integer, Text, read_form
from shared.web.local_storage import StorageDependency

MANAGERS = requires_role(Role.OWNER, Role.MANAGER)
ANYONE_AT_BRAND = requires_role(*ALL_ROLES)

COUNTERSIGN_FORM = Form(code=Text(max_length=20))  # a TOTP or recovery code
VOID_FORM = Form(reason=Text(max_length=REASON_MAX, multiline=True))
TEMPLATE_FORM = Form(
    name=Text(max_length=200),
    governing_law=Text(max_length=200),
    expiry_days=Integer(
        min_value=1, max_value=EXPIRY_DAYS_MAX, message=f"Contracts expire after 1 to {EXPIRY_DAYS_MAX} days."
    ),
    body=Text(max_length=TEMPLATE_MAX, multiline=True),
)


def _url(brand: BrandAccess, contract_id: int) -> str:
    return f"/backoffice/b/{brand.brand_slug}/contracts/{contract_id}"


def _user_agent(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("user-agent", "")[:500]


@get("/b/{brand_slug:str}/contracts", guards=[ANYONE_AT_BRAND])
async def contracts_list(brand: NamedDependency[BrandAccess], status: FromQuery[str | None] = None) -> Template:
    chosen = status if status in {s.value for s in Status} else None
    return Template(
        "backoffice/contracts_list.html",
        context={
            "brand": brand,
            "contracts": await list_brand_contracts(brand.brand_id, status=chosen),
            "status": chosen or "",
            "status_labels": STATUS_LABELS,
        },
    )


@post("/b/{brand_slug:str}/offers/{collaboration_id:int}/contract", guards=[MANAGERS], status_code=303)
async def generate_contract(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    collaboration_id: FromPath[int],
) -> Redirect:
    try:
        contract_id = await do_generate_contract(
            actor,
            BrandSide(staff, brand.brand_id),
            contract_tools(settings_of(request), storage),
            collaboration_id=collaboration_id,
        )
    except (IllegalTransition, InvalidInput) as exc:
        flash(request, str(exc), category="error")
        return Redirect(f"/backoffice/b/{brand.brand_slug}/offers/{collaboration_id}", status_code=303)
    flash(request, "Contract generated. Read it, then send it to the creator.", category="success")
    return Redirect(_url(brand, contract_id), status_code=303)


async def _page(
    brand: BrandAccess,
    staff: StaffContext,
    contract_id: int,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    contract = await get_contract(contract_id)
    if contract is None or contract.brand_id != brand.brand_id:
        raise NotFound("No such contract.")
    return Template(
        "backoffice/contracts_detail.html",
        context={
            "brand": brand,
            "contract": contract,
            "events": await contract_events(contract_id),
            "chain": await verify_chain(contract_id),
            "manages": can_manage_contracts(brand.role),
            "errors": errors or {},
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/contracts/{contract_id:int}", guards=[ANYONE_AT_BRAND])
async def contract_page(
    brand: NamedDependency[BrandAccess], staff: NamedDependency[StaffContext], contract_id: FromPath[int]
) -> Template:
    return await _page(brand, staff, contract_id)


@post("/b/{brand_slug:str}/contracts/{contract_id:int}/send", guards=[MANAGERS], status_code=303)
async def send_contract(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    contract_id: FromPath[int],
) -> Redirect:
    try:
        await do_send_contract(
            actor, BrandSide(staff, brand.brand_id), contract_id=contract_id, user_agent=_user_agent(request)
        )
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Sent. The creator has been told and can sign on their phone.", category="success")
    return Redirect(_url(brand, contract_id), status_code=303)


@post(
    "/b/{brand_slug:str}/contracts/{contract_id:int}/countersign",
    guards=[MANAGERS],
    status_code=303,
    opt={"form": COUNTERSIGN_FORM},
)
async def countersign_contract(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    contract_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_countersign_contract(
            actor,
            BrandSide(staff, brand.brand_id),
            contract_tools(settings_of(request), storage),
            encryptor_of(request),
            contract_id=contract_id,
            code=form.values["code"],
            user_agent=_user_agent(request),
        )
    except SecondFactorRequired as exc:
        flash(request, str(exc), category="error")
        return Redirect("/backoffice/account/totp", status_code=303)
    except (IllegalTransition, TooManyAttempts) as exc:
        flash(request, str(exc), category="error")
    except InvalidInput as exc:
        return await _page(brand, staff, contract_id, errors=exc.errors, status=400)
    else:
        flash(request, "Countersigned and executed. Both sides can download the executed PDF.", category="success")
    return Redirect(_url(brand, contract_id), status_code=303)


@post(
    "/b/{brand_slug:str}/contracts/{contract_id:int}/void", guards=[MANAGERS], status_code=303, opt={"form": VOID_FORM}
)
async def void_contract(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    contract_id: FromPath[int],
) -> Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_void_contract(
            actor,
            BrandSide(staff, brand.brand_id),
            contract_id=contract_id,
            reason=form.values["reason"],
            user_agent=_user_agent(request),
        )
    except (IllegalTransition, InvalidInput) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Voided.", category="success")
    return Redirect(_url(brand, contract_id), status_code=303)


@get("/b/{brand_slug:str}/contracts/{contract_id:int}/pdf", guards=[ANYONE_AT_BRAND])
async def contract_pdf(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    contract_id: FromPath[int],
) -> Response[bytes]:
    contract = await get_contract(contract_id)
    if contract is None or contract.brand_id != brand.brand_id:
        raise NotFound("No such contract.")
    pdf = await do_download_contract(actor, contract, storage, user_agent=_user_agent(request))
    return Response(
        pdf.data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{pdf.filename}"', "Cache-Control": "no-store"},
    )


# --- templates ---------------------------------------------------------------------------------------


def _templates_url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/contract-templates"


@get("/b/{brand_slug:str}/contract-templates", guards=[MANAGERS])
async def templates_list(brand: NamedDependency[BrandAccess]) -> Template:
    return Template(
        "backoffice/contract_templates.html",
        context={"brand": brand, "templates": await list_templates(brand.brand_id)},
    )


def _preview(body: str, governing_law: str) -> str:
    try:
        return render_body(body, sample_fields(governing_law or "the State of New York, USA"))
    except InvalidInput:
        return ""


def _editor(
    brand: BrandAccess, template_id: int | None, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> Template:
    return Template(
        "backoffice/contract_template_edit.html",
        context={
            "brand": brand,
            "template_id": template_id,
            "form": form,
            "errors": errors,
            "field_help": FIELD_HELP,
            "preview": "" if errors else _preview(form.get("body", ""), form.get("governing_law", "")),
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/contract-templates/new", guards=[MANAGERS])
async def new_template_page(brand: NamedDependency[BrandAccess]) -> Template:
    form = {"name": "", "governing_law": "the State of New York, USA", "expiry_days": "14", "body": DEFAULT_TEMPLATE}
    return _editor(brand, None, form, {})


@get("/b/{brand_slug:str}/contract-templates/{template_id:int}", guards=[MANAGERS])
async def template_page(brand: NamedDependency[BrandAccess], template_id: FromPath[int]) -> Template:
    found = next((t for t in await list_templates(brand.brand_id) if t.id == template_id), None)
    if found is None:
        raise NotFound("No such template.")
    form = {
        "name": found.name,
        "governing_law": found.governing_law,
        "expiry_days": str(found.expiry_days),
        "body": found.body,
        "version": str(found.version),
    }
    return _editor(brand, template_id, form, {})


async def _save(
    request: Request[Any, Any, Any], brand: BrandAccess, staff: StaffContext, actor: Actor, template_id: int | None
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        saved = await do_save_template(
            actor,
            BrandSide(staff, brand.brand_id),
            template_id=template_id,
            name=form.values["name"],
            body=form.values["body"],
            governing_law=form.values["governing_law"],
            expiry_days=form.values["expiry_days"] or 0,
        )
    except InvalidInput as exc:
        return _editor(brand, template_id, form.text, exc.errors, status=400)
    flash(request, "Template saved as a new version.", category="success")
    return Redirect(f"{_templates_url(brand)}/{saved}", status_code=303)


@post("/b/{brand_slug:str}/contract-templates", guards=[MANAGERS], status_code=303, opt={"form": TEMPLATE_FORM})
async def create_template(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    return await _save(request, brand, staff, actor, None)


@post(
    "/b/{brand_slug:str}/contract-templates/{template_id:int}",
    guards=[MANAGERS],
    status_code=303,
    opt={"form": TEMPLATE_FORM},
)
async def save_template(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    template_id: FromPath[int],
) -> Template | Redirect:
    return await _save(request, brand, staff, actor, template_id)


HANDLERS: list[HTTPRouteHandler] = [
    templates_list,
    new_template_page,
    template_page,
    create_template,
    save_template,
    contracts_list,
    generate_contract,
    contract_page,
    send_contract,
    countersign_contract,
    void_contract,
    contract_pdf,
]
