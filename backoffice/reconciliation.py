"""Reconciliation (Money): a month's summary per class and currency, matched vs breaks over time, the break list,
running it now (with its progress), resolving a break (a note, or a correcting journal), closing the month.
Finance and owners only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import requires_role
from shared.audit.context import Actor
from shared.errors import IllegalTransition, InvalidInput, PermissionDenied
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.reconciliation.actions import do_close_period, do_correct_break, do_note_break, do_request_run
from shared.reconciliation.queries import get_period_overview, get_run, list_breaks, list_months, months_chart
from shared.reconciliation.rules import KIND_LABELS, NOTE_MAX, month_start, parse_period, period_slug, previous_month
from shared.web.forms import Form, Text, read_form
from shared.web.ids import QueryId

FINANCE = requires_role(Role.OWNER, Role.FINANCE)

PERIOD_FORM = Form(period=Text(max_length=7, required="Choose a month."))
NOTE_FORM = Form(
    period=Text(max_length=7, required="Choose a month."),
    note=Text(max_length=2 * NOTE_MAX, multiline=True, required="Say what explains this break."),
)


def _default_period() -> dt.date:
    return previous_month(month_start(dt.datetime.now(dt.UTC).date()))


def _period(text: str | None) -> dt.date:
    return (parse_period(text) if text else None) or _default_period()


def _url(brand: BrandAccess, period: dt.date) -> str:
    return f"/backoffice/b/{brand.brand_slug}/reconciliation?period={period_slug(period)}"


async def _page(brand: BrandAccess, period: dt.date, *, cursor: int | None = None,
                errors: dict[str, str] | None = None, typed: dict[int, str] | None = None,
                status: int = 200) -> Template:  # fmt: skip
    overview = await get_period_overview(brand.brand_id, period)
    months = await list_months(brand.brand_id)
    this_month = month_start(dt.datetime.now(dt.UTC).date())
    choices = [this_month]
    while len(choices) < 13:
        choices.append(previous_month(choices[-1]))
    return Template(
        "backoffice/reconciliation.html",
        context={
            "brand": brand,
            "o": overview,
            "months": months,
            "chart": months_chart(months),
            "breaks": await list_breaks(brand.brand_id, period, cursor=cursor),
            "cursor": cursor,
            "choices": [(period_slug(c), c.strftime("%B %Y")) for c in choices],
            "kind_labels": KIND_LABELS,
            "errors": errors or {},
            "typed": typed or {},
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/reconciliation", guards=[FINANCE])
async def reconciliation_page(
    brand: NamedDependency[BrandAccess], period: FromQuery[str | None] = None, cursor: QueryId = None
) -> Template:
    return await _page(brand, _period(period), cursor=cursor)


@get("/b/{brand_slug:str}/reconciliation/runs/{run_id:int}", guards=[FINANCE])
async def run_progress(brand: NamedDependency[BrandAccess], run_id: FromPath[int]) -> Template:
    """The running run's progress (htmx polls it); once it has finished, the page reloads to show the result."""
    run = await get_run(brand.brand_id, run_id)
    headers = {} if run.live else {"HX-Refresh": "true"}
    return Template("backoffice/_reconciliation_progress.html", context={"brand": brand, "run": run},
                    headers=headers)  # fmt: skip


@post("/b/{brand_slug:str}/reconciliation/run", guards=[FINANCE], status_code=303, opt={"form": PERIOD_FORM})
async def run_reconciliation_now(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    period = _period(form.text.get("period"))
    try:
        form.check()
        chosen = parse_period(form.values["period"])
        if chosen is None:
            raise InvalidInput({"period": "Choose a month from the list."})
        await do_request_run(actor, staff, brand_id=brand.brand_id, starts_on=chosen)
    except InvalidInput as exc:
        return await _page(brand, period, errors=exc.errors, status=400)
    except (IllegalTransition, PermissionDenied) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Reconciliation started: Rapport is reading Stripe for this month.", category="success")
    return Redirect(_url(brand, period), status_code=303)


async def _resolve(request: Request[Any, Any, Any], brand: BrandAccess, staff: StaffContext, actor: Actor,
                   item_id: int, *, correct: bool) -> Template | Redirect:  # fmt: skip
    form = await read_form(request)
    period = _period(form.text.get("period"))
    try:
        form.check()
        if correct:
            await do_correct_break(actor, staff, brand_id=brand.brand_id, item_id=item_id, note=form.values["note"])
        else:
            await do_note_break(actor, staff, brand_id=brand.brand_id, item_id=item_id, note=form.values["note"])
    except InvalidInput as exc:
        errors = {f"note-{item_id}": message for message in exc.errors.values()}
        return await _page(brand, period, errors=errors, typed={item_id: form.text.get("note", "")}, status=400)
    except (IllegalTransition, PermissionDenied) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Break corrected with a journal." if correct else "Break resolved with your note.",
              category="success")  # fmt: skip
    return Redirect(_url(brand, period), status_code=303)


@post("/b/{brand_slug:str}/reconciliation/breaks/{item_id:int}/note", guards=[FINANCE], status_code=303,
      opt={"form": NOTE_FORM})  # fmt: skip
async def note_break(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    item_id: FromPath[int],
) -> Template | Redirect:
    return await _resolve(request, brand, staff, actor, item_id, correct=False)


@post("/b/{brand_slug:str}/reconciliation/breaks/{item_id:int}/correct", guards=[FINANCE], status_code=303,
      opt={"form": NOTE_FORM})  # fmt: skip
async def correct_break(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    item_id: FromPath[int],
) -> Template | Redirect:
    return await _resolve(request, brand, staff, actor, item_id, correct=True)


@post("/b/{brand_slug:str}/reconciliation/close", guards=[FINANCE], status_code=303, opt={"form": PERIOD_FORM})
async def close_period(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    period = _period(form.text.get("period"))
    try:
        form.check()
        chosen = parse_period(form.values["period"])
        if chosen is None:
            raise InvalidInput({"period": "Choose a month from the list."})
        await do_close_period(actor, staff, brand_id=brand.brand_id, starts_on=chosen)
    except InvalidInput as exc:
        return await _page(brand, period, errors=exc.errors, status=400)
    except (IllegalTransition, PermissionDenied) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Period closed: no journal can be dated inside it any more.", category="success")
    return Redirect(_url(brand, period), status_code=303)


HANDLERS: list[HTTPRouteHandler] = [
    reconciliation_page,
    run_progress,
    run_reconciliation_now,
    note_break,
    correct_break,
    close_period,
]
