"""Exports (under Money): finance and owners ask for a CSV of a period (payables and payouts, the general-ledger
journal, a creator's statement), watch the job make it, and download it from a signed, expiring URL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import requires_role
from shared.audit.context import Actor
from shared.errors import InvalidInput
from shared.exports.actions import do_download_export, do_request_export
from shared.exports.queries import list_exports, list_statement_creators
from shared.exports.rules import KIND_LABELS, last_month
from shared.identity.queries import BrandAccess
from shared.identity.rules import Role
from shared.web.forms import Choice, Date, Form, Id, read_form
from shared.web.ids import QueryId
from shared.web.local_storage import StorageDependency

MONEY_PEOPLE = requires_role(Role.OWNER, Role.FINANCE)

EXPORT_FORM = Form(
    kind=Choice(options=tuple(KIND_LABELS), message="Choose what to export.", required="Choose what to export."),
    start=Date(required="Enter the first day of the period."),
    end=Date(required="Enter the last day of the period."),
    creator=Id(message="Choose a creator from the list."),
)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def _exports_page(
    request: Request[Any, Any, Any],
    brand: BrandAccess,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    before: int | None = None,
) -> Template:
    page = await list_exports(brand.brand_id, before_id=before)
    context = {
        "brand": brand,
        "exports": page.rows,
        # Exports being made are the newest: the first page follows their progress, an older page stays still.
        "busy": before is None and any(x.busy for x in page.rows),
        "paged": before is not None,
        "older_url": f"?before={page.older_than}" if page.older_than is not None else None,
    }
    if request.headers.get("hx-request") == "true":
        return Template("backoffice/_exports_table.html", context=context)
    start, end = last_month(_today())
    return Template(
        "backoffice/exports.html",
        context={
            **context,
            "kinds": KIND_LABELS,
            "creators": await list_statement_creators(brand.brand_id),
            "form": form or {"kind": "ledger", "start": start.isoformat(), "end": end.isoformat(), "creator": ""},
            "errors": errors or {},
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/exports", guards=[MONEY_PEOPLE])
async def exports_page(
    request: Request[Any, Any, Any], brand: NamedDependency[BrandAccess], before: QueryId = None
) -> Template:
    return await _exports_page(request, brand, before=before)


@post("/b/{brand_slug:str}/exports", guards=[MONEY_PEOPLE], status_code=303, opt={"form": EXPORT_FORM})
async def request_export(
    request: Request[Any, Any, Any], brand: NamedDependency[BrandAccess], actor: NamedDependency[Actor]
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_request_export(
            actor,
            brand,
            kind=form.values["kind"],
            start=form.values["start"],
            end=form.values["end"],
            creator_id=form.values["creator"],
            today=_today(),
        )
    except InvalidInput as exc:
        return await _exports_page(request, brand, form=form.text, errors=exc.errors, status=400)
    flash(request, "Export requested: it appears below when it is ready.", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/exports", status_code=303)


@get("/b/{brand_slug:str}/exports/{export_id:int}/download", guards=[MONEY_PEOPLE])
async def download_export(
    brand: NamedDependency[BrandAccess],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    export_id: FromPath[int],
) -> Redirect:
    url = await do_download_export(actor, brand, export_id, storage)
    return Redirect(url, status_code=303)


HANDLERS: list[HTTPRouteHandler] = [exports_page, request_export, download_export]
