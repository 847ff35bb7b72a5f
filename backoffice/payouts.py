"""Payouts: finance's queue by state and due date, the approvals each payable has and still needs, batch approve
and release (with a TOTP code), refusals with a reason, a payable's ledger trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import encryptor_of
from backoffice.guards import requires_role
from shared.audit.context import Actor
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.identity.throttle import TooManyAttempts
from shared.money import format_money
from shared.payments.actions import (
    Outcome,
    check_approve_payables,
    check_release_payables,
    do_mark_bonus_met,
    do_record_manual_payout,
    do_refuse_payable,
    do_set_payment_policy,
)
from shared.payments.queries import (
    CSV_COLUMNS,
    QueueRow,
    get_brand_payable,
    get_payment_settings,
    get_queue_filters,
    list_payout_queue,
    queue_csv_rows,
)
from shared.payments.rules import (
    APPROVER_ROLE_CHOICES,
    MANUAL_METHODS,
    REASON_MAX,
    REFERENCE_MAX,
    STATUS_LABELS,
    TERMS_DAYS_MAX,
    Policy,
    Status,
    can_release,
    parse_threshold,
)
from shared.tax.queries import release_holds
from shared.web.forms import Amount, Choice, Flag, Form, Id, Integer, Many, Text, read_form
from shared.web.ids import QueryId

READERS = requires_role(Role.OWNER, Role.FINANCE, Role.MANAGER, Role.VIEWER)
MONEY_PEOPLE = requires_role(Role.OWNER, Role.FINANCE)

# A batch is two steps: the ticked rows come back on a confirmation page with their total, and only the second
# post (confirmed) acts. The authenticator code for a release is asked for there, after the total is seen.
APPROVE_FORM = Form(payable=Many(Id(message="Choose payables from the queue."), max_items=500), confirmed=Flag())
RELEASE_FORM = Form(
    payable=Many(Id(message="Choose payables from the queue."), max_items=500),
    code=Text(max_length=20, required=False),
    confirmed=Flag(),
)
CODE_NEEDED = "Enter the current 6-digit code from your authenticator app."
POLICY_FORM = Form(
    approvals_required=Integer(
        min_value=1, max_value=3, message="A payable needs 1, 2 or 3 approvers.", required="Choose 1, 2 or 3."
    ),
    threshold_amount=Amount(),
    threshold_approvals=Integer(min_value=1, max_value=3, message="1, 2 or 3 approvers.", required=False),
    roles=Many(Choice(options=APPROVER_ROLE_CHOICES, message="Choose finance, owners, or both."), max_items=2),
    terms_days=Integer(
        min_value=0,
        max_value=TERMS_DAYS_MAX,
        message=f"Payment terms are 0 to {TERMS_DAYS_MAX} days.",
        required="Enter the payment terms in days.",
    ),
)
MANUAL_FORM = Form(
    method=Choice(options=tuple(MANUAL_METHODS), message="Choose bank transfer or PayPal."),
    reference=Text(max_length=REFERENCE_MAX, required="Enter the payment's reference."),
)
REFUSE_FORM = Form(reason=Text(max_length=2 * REASON_MAX, multiline=True, required="Say why you refuse it."))


def _list_url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/payouts"


def _totals(rows: list[QueueRow]) -> list[str]:
    by_currency: dict[str, int] = {}
    for row in rows:
        by_currency[row.currency] = by_currency.get(row.currency, 0) + row.amount_minor
    return [format_money(total, currency) for currency, total in sorted(by_currency.items())]


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    creator: int | None = None
    campaign: int | None = None
    currency: str | None = None

    @classmethod
    def read(cls, status: str | None, creator: int | None, campaign: int | None, currency: str | None) -> Filters:
        return cls(
            status if status in {s.value for s in Status} else None,
            creator or None,
            campaign or None,
            currency if currency and len(currency) == 3 and currency.isalpha() and currency.isupper() else None,
        )

    def query(self) -> str:
        return urlencode({k: v for k, v in asdict(self).items() if v})


async def _rows(brand: BrandAccess, f: Filters) -> list[QueueRow]:
    return await list_payout_queue(brand.brand_id, status=f.status, creator_id=f.creator, campaign_id=f.campaign,
                                   currency=f.currency)  # fmt: skip


async def _queue_page(
    brand: BrandAccess, *, filters: Filters | None = None, errors: dict[str, str] | None = None, code: int = 200
) -> Template:
    f = filters or Filters()
    rows = await _rows(brand, f)
    pending = [r for r in rows if r.status == Status.PENDING_APPROVAL]
    approved = [r for r in rows if r.status == Status.APPROVED]
    return Template(
        "backoffice/payouts_list.html",
        context={
            "brand": brand,
            "rows": rows,
            "status": f.status or "",
            "f": f,
            "options": await get_queue_filters(brand.brand_id),
            "status_labels": STATUS_LABELS,
            "today": dt.datetime.now(dt.UTC).date(),
            "acts": can_release(brand.role),
            "pending_total": _totals(pending),
            "approved_total": _totals(approved),
            "errors": errors or {},
        },
        status_code=code,
    )


@get("/b/{brand_slug:str}/payouts", guards=[READERS])
async def payouts_list(
    brand: NamedDependency[BrandAccess],
    status: FromQuery[str | None] = None,
    creator: QueryId = None,
    campaign: QueryId = None,
    currency: FromQuery[str | None] = None,
) -> Template:
    return await _queue_page(brand, filters=Filters.read(status, creator, campaign, currency))


@get("/b/{brand_slug:str}/payouts.csv", guards=[READERS])
async def payouts_csv(
    brand: NamedDependency[BrandAccess],
    status: FromQuery[str | None] = None,
    creator: QueryId = None,
    campaign: QueryId = None,
    currency: FromQuery[str | None] = None,
) -> Response[str]:
    rows = await _rows(brand, Filters.read(status, creator, campaign, currency))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(queue_csv_rows(rows))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="payouts-{brand.brand_slug}.csv"'},
    )


@get("/b/{brand_slug:str}/payouts/{payable_id:int}", guards=[READERS])
async def payout_page(brand: NamedDependency[BrandAccess], payable_id: FromPath[int]) -> Template:
    detail = await get_brand_payable(brand.brand_id, payable_id)
    return Template(
        "backoffice/payouts_detail.html",
        context={"brand": brand, "p": detail, "acts": can_release(brand.role), "errors": {}},
    )


def _flash_outcomes(request: Request[Any, Any, Any], outcomes: list[Outcome], done_words: str) -> None:
    done = [o for o in outcomes if o.done]
    if done:
        flash(request, f"{done_words} {len(done)} payable{'s' if len(done) != 1 else ''}.", category="success")
    for outcome in outcomes:
        if not outcome.done:
            flash(request, f"Payable #{outcome.payable_id}: {outcome.message}", category="error")


BATCH_WORDS = {
    "approve": ("Approve", Status.PENDING_APPROVAL, "approval"),
    "release": ("Release", Status.APPROVED, "release"),
}


async def _confirm_page(
    brand: BrandAccess, verb: str, ids: list[int], *, errors: dict[str, str] | None = None, code: int = 200
) -> Template:
    """The ticked payables again, with their total per currency: what the second click will approve or release.
    Rows that can't take this step (someone acted meanwhile) are listed apart and left out of the total."""
    rows = await list_payout_queue(brand.brand_id, ids=ids)
    held: list[tuple[QueueRow, str]] = []
    if verb == "approve":
        ready = [r for r in rows if r.status == Status.PENDING_APPROVAL]
    else:
        ready = [r for r in rows if r.releasable]
        # The brand's W-9 hold would refuse these at release: named here, left out of the total.
        holds = await release_holds(brand.brand_id, sorted({r.creator_id for r in ready}))
        held = [(r, holds[r.creator_id]) for r in ready if r.creator_id in holds]
        ready = [r for r in ready if r.creator_id not in holds]
    waiting = {r.id for r, _ in held}
    return Template(
        "backoffice/payouts_confirm.html",
        context={
            "brand": brand,
            "verb": verb,
            "ready": ready,
            "held": held,
            "skipped": [r for r in rows if r not in ready and r.id not in waiting],
            "total": _totals(ready),
            "errors": errors or {},
        },
        status_code=code,
    )


@post("/b/{brand_slug:str}/payouts/approve", guards=[MONEY_PEOPLE], status_code=303, opt={"form": APPROVE_FORM})
async def approve_payouts(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        if not form.values["payable"]:
            raise InvalidInput({"payable": "Tick the payables to approve."})
        if not form.values["confirmed"]:
            return await _confirm_page(brand, "approve", form.values["payable"])
        outcomes = await check_approve_payables(actor, staff, brand_id=brand.brand_id,
                                                payable_ids=form.values["payable"])  # fmt: skip
    except InvalidInput as exc:
        return await _queue_page(brand, errors=exc.errors, code=400)
    _flash_outcomes(request, outcomes, "Approved")
    return Redirect(_list_url(brand), status_code=303)


@post("/b/{brand_slug:str}/payouts/release", guards=[MONEY_PEOPLE], status_code=303, opt={"form": RELEASE_FORM})
async def release_payouts(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        if not form.values["payable"]:
            raise InvalidInput({"payable": "Tick the payables to release."})
        ids, code = form.values["payable"], form.values["code"]
        if not form.values["confirmed"]:
            return await _confirm_page(brand, "release", ids)
        if not code:
            return await _confirm_page(brand, "release", ids, errors={"code": CODE_NEEDED}, code=400)
        try:
            outcomes = await check_release_payables(
                actor, staff, encryptor_of(request), brand_id=brand.brand_id, payable_ids=ids, code=code
            )
        except InvalidInput as exc:  # a wrong code: asked again on the same confirmation, ticks kept
            return await _confirm_page(brand, "release", ids, errors=exc.errors, code=400)
    except PermissionDenied as exc:
        flash(request, str(exc), category="error")
        return Redirect(_list_url(brand), status_code=303)
    except TooManyAttempts as exc:
        flash(request, str(exc), category="error")
        return Redirect(_list_url(brand), status_code=303)
    except InvalidInput as exc:
        return await _queue_page(brand, errors=exc.errors, code=400)
    _flash_outcomes(request, outcomes, "Released")
    return Redirect(_list_url(brand), status_code=303)


@post("/b/{brand_slug:str}/payouts/{payable_id:int}/refuse", guards=[MONEY_PEOPLE], status_code=303,
      opt={"form": REFUSE_FORM})  # fmt: skip
async def refuse_payout(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    payable_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_refuse_payable(actor, staff, brand_id=brand.brand_id, payable_id=payable_id,
                                reason=form.values["reason"])  # fmt: skip
    except InvalidInput as exc:
        detail = await get_brand_payable(brand.brand_id, payable_id)
        return Template("backoffice/payouts_detail.html", status_code=400,
                        context={"brand": brand, "p": detail, "acts": True, "errors": exc.errors,
                                 "reason": form.text.get("reason", "")})  # fmt: skip
    except (IllegalTransition, PermissionDenied) as exc:
        flash(request, str(exc), category="error")
    except NotFound:
        raise
    else:
        flash(request, "Refusal recorded; finance sees your reason.", category="success")
    return Redirect(f"{_list_url(brand)}/{payable_id}", status_code=303)


OWNERS = requires_role(Role.OWNER)
OWNERS_AND_MANAGERS = requires_role(Role.OWNER, Role.MANAGER)
BONUS_FORM = Form(note=Text(max_length=2 * REASON_MAX, multiline=True, required="Say how the condition was met."))


@post("/b/{brand_slug:str}/offers/{collaboration_id:int}/bonus", guards=[OWNERS_AND_MANAGERS], status_code=303,
      opt={"form": BONUS_FORM})  # fmt: skip
async def mark_bonus_met(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_mark_bonus_met(actor, staff, brand_id=brand.brand_id, collaboration_id=collaboration_id,
                                note=form.values["note"])  # fmt: skip
    except InvalidInput as exc:
        flash(request, " ".join(exc.errors.values()), category="error")
    except (IllegalTransition, PermissionDenied) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Bonus marked as earned: its payment waits for approval in Payouts.", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/offers/{collaboration_id}", status_code=303)


async def _settings_page(brand: BrandAccess, *, form: dict[str, Any] | None = None,
                         errors: dict[str, str] | None = None, code: int = 200) -> Template:  # fmt: skip
    current = await get_payment_settings(brand.brand_id)
    shown = form or {
        "approvals_required": str(current.policy.approvals_required),
        "threshold_amount": current.threshold_amount,
        "threshold_approvals": current.threshold_approvals,
        "roles": list(current.policy.approver_roles),
        "terms_days": str(current.terms_days),
    }
    return Template(
        "backoffice/payouts_settings.html",
        context={"brand": brand, "form": shown, "currency": current.currency, "errors": errors or {}},
        status_code=code,
    )


@get("/b/{brand_slug:str}/settings/payments", guards=[OWNERS])
async def payment_settings_page(brand: NamedDependency[BrandAccess]) -> Template:
    return await _settings_page(brand)


@post("/b/{brand_slug:str}/settings/payments", guards=[OWNERS], status_code=303, opt={"form": POLICY_FORM})
async def save_payment_settings(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        current = await get_payment_settings(brand.brand_id)
        thresholds, why = parse_threshold(form.values["threshold_amount"], form.values["threshold_approvals"],
                                          current.currency)  # fmt: skip
        if why:
            raise InvalidInput({"threshold_amount": why})
        policy = Policy(form.values["approvals_required"], thresholds, tuple(form.values["roles"]))
        await do_set_payment_policy(actor, staff, brand_id=brand.brand_id, policy=policy,
                                    terms_days=form.values["terms_days"])  # fmt: skip
    except InvalidInput as exc:
        text = {**form.text, "roles": form.values.get("roles") or []}
        return await _settings_page(brand, form=text, errors=exc.errors, code=400)
    flash(request, "Saved. New payables follow this policy; those waiting keep the count they were created with.",
          category="success")  # fmt: skip
    return Redirect(f"/backoffice/b/{brand.brand_slug}/settings/payments", status_code=303)


@post("/b/{brand_slug:str}/payouts/{payable_id:int}/manual", guards=[MONEY_PEOPLE], status_code=303,
      opt={"form": MANUAL_FORM})  # fmt: skip
async def record_manual_payout(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    payable_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_record_manual_payout(actor, staff, brand_id=brand.brand_id, payable_id=payable_id,
                                      method=form.values["method"], reference=form.values["reference"])  # fmt: skip
    except InvalidInput as exc:
        detail = await get_brand_payable(brand.brand_id, payable_id)
        return Template("backoffice/payouts_detail.html", status_code=400,
                        context={"brand": brand, "p": detail, "acts": True, "errors": exc.errors,
                                 "manual": form.text})  # fmt: skip
    except (IllegalTransition, PermissionDenied) as exc:
        flash(request, str(exc), category="error")
    else:
        flash(request, "Recorded as paid, with its reference.", category="success")
    return Redirect(f"{_list_url(brand)}/{payable_id}", status_code=303)


HANDLERS: list[HTTPRouteHandler] = [
    mark_bonus_met,
    payment_settings_page,
    save_payment_settings,
    record_manual_payout,
    payouts_list,
    payouts_csv,
    payout_page,
    approve_payouts,
    release_payouts,
    refuse_payout,
]
