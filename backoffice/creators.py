"""The roster: a brand's creators, filters and search, each creator's page, prospects and notes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.deps import mailer_of, settings_of
from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.creators.rules import PLATFORM_LABELS
from shared.crm.actions import (
    do_add_note,
    do_add_prospect,
    do_assign_owner,
    do_change_stage,
    do_invite_creator_to_portal,
    do_set_tags,
)
from shared.crm.queries import get_roster_creator, list_notes, list_owner_choices, list_roster, list_timeline
from shared.crm.relationship_card import do_save_relationship
from shared.crm.rules import (
    CREATOR_INVITATION_TTL_DAYS,
    NO_RELATIONSHIP,
    ROSTER_FILTER_FIELDS,
    ROSTER_SORTS,
    STAGE_LABELS,
    STAGES,
    TIER_LABELS,
    TIERS,
    can_edit_roster,
    parse_roster_filters,
    stage_moves,
)
from shared.errors import InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.payouts.queries import get_payable_summary
from shared.web.forms import Choice, Form, Id, Text, read_form
from shared.web.ids import QueryId

EDITORS = requires_role(Role.OWNER, Role.MANAGER)

# Lengths are the columns' (shared.db.tables); the area rules hold the finer checks and their messages.
PROSPECT_FORM = Form(
    display_name=Text(max_length=200),
    platform=Choice(options=tuple(PLATFORM_LABELS), message="Choose the platform this handle is on."),
    handle=Text(max_length=200),  # '@name' or a profile link; the rule keeps 100 characters of handle
    email=Text(max_length=320),
    followers=Text(max_length=30),  # '12.5k' and the like: shared.crm.rules.parse_count
)
STAGE_FORM = Form(stage=Choice(options=STAGES, required=True, message="Choose a stage from the list."))
OWNER_FORM = Form(owner=Id(message="Choose someone from the list."))
RELATIONSHIP_FORM = Form(
    stage=Choice(options=STAGES, message="Choose a stage from the list."),
    owner=Id(message="Choose someone from the list."),
    tags=Text(max_length=2000),
)
TAGS_FORM = Form(tags=Text(max_length=2000))
NOTE_FORM = Form(body=Text(max_length=20_000, multiline=True))
INVITE_FORM = Form(email=Text(max_length=320))
PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 20


def _roster_url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/creators"


def _creator_url(brand: BrandAccess, creator_id: int) -> str:
    return f"{_roster_url(brand)}/{creator_id}"


def _choices() -> dict[str, Any]:
    return {
        "platforms": PLATFORM_LABELS,
        "tiers": [(tier, TIER_LABELS[tier]) for tier in TIERS],
        "stages": [(stage, STAGE_LABELS[stage]) for stage in STAGES],
        "stage_labels": STAGE_LABELS,
        "no_relationship": NO_RELATIONSHIP,
    }


@get("/b/{brand_slug:str}/creators", guards=[requires_role(*ALL_ROLES)])
async def roster(
    request: Request[Any, Any, Any], brand: NamedDependency[BrandAccess], after: QueryId = None
) -> Template:
    form = {name: str(request.query_params.get(name, "")) for name in ROSTER_FILTER_FIELDS}
    filters, errors = parse_roster_filters(form)
    # The owner filter's choices come with the page (one statement); a page refused for its filters reads them alone.
    page = (
        None if errors else await list_roster(brand.brand_id, filters, after=after, limit=PAGE_SIZE, with_owners=True)
    )
    next_url = None
    if page is not None and page.next_after is not None:
        next_url = "?" + urlencode({**{k: v for k, v in form.items() if v}, "after": page.next_after})
    return Template(
        "backoffice/creators_list.html",
        context={
            "brand": brand,
            "page": page,
            "form": form,
            "errors": errors,
            "filtered": any(form.values()),
            "narrowing": filters.narrowing,
            "sorts": ROSTER_SORTS,
            # A column heading's link: the same filters and search, in that order.
            "sort_query": lambda sort: urlencode({**{k: v for k, v in form.items() if v}, "sort": sort}),
            "next_url": next_url,
            "paged": after is not None,
            "owners": page.owners if page is not None else await list_owner_choices(brand.brand_id),
            "editor": can_edit_roster(brand.role),
            **_choices(),
        },
        status_code=400 if errors else 200,
    )


def _new_page(brand: BrandAccess, form: dict[str, str], errors: dict[str, str], status: int = 200) -> Template:
    return Template(
        "backoffice/creators_new.html",
        context={"brand": brand, "form": form, "errors": errors, "days": CREATOR_INVITATION_TTL_DAYS, **_choices()},
        status_code=status,
    )


@get("/b/{brand_slug:str}/creators/new", guards=[EDITORS])
async def new_prospect_page(brand: NamedDependency[BrandAccess]) -> Template:
    return _new_page(brand, {}, {})


@post("/b/{brand_slug:str}/creators", guards=[EDITORS], status_code=303, opt={"form": PROSPECT_FORM})
async def add_prospect(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        added = await do_add_prospect(
            actor,
            staff,
            mailer_of(request),
            brand_id=brand.brand_id,
            display_name=form.values["display_name"],
            platform=form.values["platform"],
            handle=form.values["handle"],
            email=form.values["email"],
            followers=form.values["followers"],
            base_url=settings_of(request).base_url,
        )
    except InvalidInput as exc:
        return _new_page(brand, form.text, exc.errors, status=400)
    if added.already_on_roster:
        flash(request, "This creator is already on your roster.", category="info")
    elif added.invited:
        flash(
            request,
            f"Added. An invitation to join Rapport went to {added.invited}; the link works for "
            f"{CREATOR_INVITATION_TTL_DAYS} days.",
            category="success",
        )
    else:
        flash(request, "Added to your roster as a prospect.", category="success")
    return Redirect(_creator_url(brand, added.creator_id), status_code=303)


async def _creator_page(
    brand: BrandAccess,
    creator_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    before: int | None = None,
) -> Template:
    creator = await get_roster_creator(brand.brand_id, creator_id)
    timeline = await list_timeline(brand.brand_id, creator_id, before=before, limit=TIMELINE_PAGE_SIZE)
    invitation_email = creator.invitation["email"] if creator.invitation else ""
    defaults = {
        "stage": creator.stage or "",
        "tags": ", ".join(creator.tags),
        "owner": str(creator.owner_id or ""),
        "email": invitation_email,
    }
    return Template(
        "backoffice/creators_detail.html",
        context={
            "brand": brand,
            "creator": creator,
            "timeline": timeline,
            "older_url": f"?before={timeline.older_than}" if timeline.older_than is not None else None,
            "notes": await list_notes(brand.brand_id, creator_id),
            "payable": await get_payable_summary(creator_id),
            "owners": await list_owner_choices(brand.brand_id),
            # The current stage first and preselected: saving the card without touching it moves nobody.
            "moves": ([(creator.stage, f"{STAGE_LABELS[creator.stage]} (now)")] if creator.stage else [])
            + [(stage, STAGE_LABELS[stage]) for stage in stage_moves(creator.stage)],
            "editor": can_edit_roster(brand.role),
            "form": {**defaults, **(form or {})},
            "errors": errors or {},
            "days": CREATOR_INVITATION_TTL_DAYS,
            **_choices(),
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/creators/{creator_id:int}", guards=[requires_role(*ALL_ROLES)])
async def creator_page(
    brand: NamedDependency[BrandAccess], creator_id: FromPath[int], before: QueryId = None
) -> Template:
    return await _creator_page(brand, creator_id, before=before)


@post(
    "/b/{brand_slug:str}/creators/{creator_id:int}/stage", guards=[EDITORS], status_code=303, opt={"form": STAGE_FORM}
)
async def change_stage(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    creator_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    stage = form.values["stage"]
    try:
        form.check()
        await do_change_stage(actor, staff, brand_id=brand.brand_id, creator_id=creator_id, stage=stage)
    except InvalidInput as exc:
        return await _creator_page(brand, creator_id, form=form.text, errors=exc.errors, status=400)
    flash(request, f"Stage changed to {STAGE_LABELS[stage]}.", category="success")
    return Redirect(_creator_url(brand, creator_id), status_code=303)


@post(
    "/b/{brand_slug:str}/creators/{creator_id:int}/relationship",
    guards=[EDITORS],
    status_code=303,
    opt={"form": RELATIONSHIP_FORM},
)
async def save_relationship(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    creator_id: FromPath[int],
) -> Template | Redirect:
    """The relationship card's one Save: stage, owner and tags; what is unchanged stays as it is."""
    form = await read_form(request)
    try:
        form.check()
        changed = await do_save_relationship(
            actor,
            staff,
            brand_id=brand.brand_id,
            creator_id=creator_id,
            stage=form.values["stage"],
            owner_id=form.values["owner"],
            tags=form.values["tags"],
        )
    except InvalidInput as exc:
        return await _creator_page(brand, creator_id, form=form.text, errors=exc.errors, status=400)
    flash(request, f"Saved {', '.join(changed)}." if changed else "Nothing to change.", category="success")
    return Redirect(_creator_url(brand, creator_id), status_code=303)


@post(
    "/b/{brand_slug:str}/creators/{creator_id:int}/owner", guards=[EDITORS], status_code=303, opt={"form": OWNER_FORM}
)
async def assign_owner(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    creator_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    owner = form.values["owner"]
    try:
        form.check()
        await do_assign_owner(actor, staff, brand_id=brand.brand_id, creator_id=creator_id, owner_id=owner)
    except InvalidInput as exc:
        return await _creator_page(brand, creator_id, form=form.text, errors=exc.errors, status=400)
    flash(request, "Owner saved." if owner else "Nobody owns this relationship now.", category="success")
    return Redirect(_creator_url(brand, creator_id), status_code=303)


@post("/b/{brand_slug:str}/creators/{creator_id:int}/tags", guards=[EDITORS], status_code=303, opt={"form": TAGS_FORM})
async def set_tags(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    creator_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_set_tags(actor, staff, brand_id=brand.brand_id, creator_id=creator_id, tags=form.values["tags"])
    except InvalidInput as exc:
        return await _creator_page(brand, creator_id, form=form.text, errors=exc.errors, status=400)
    flash(request, "Tags saved.", category="success")
    return Redirect(_creator_url(brand, creator_id), status_code=303)


@post("/b/{brand_slug:str}/creators/{creator_id:int}/notes", guards=[EDITORS], status_code=303, opt={"form": NOTE_FORM})
async def add_note(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    creator_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_add_note(actor, staff, brand_id=brand.brand_id, creator_id=creator_id, body=form.values["body"])
    except InvalidInput as exc:
        return await _creator_page(brand, creator_id, form=form.text, errors=exc.errors, status=400)
    flash(request, "Note saved. Only your team can see it.", category="success")
    return Redirect(_creator_url(brand, creator_id), status_code=303)


@post(
    "/b/{brand_slug:str}/creators/{creator_id:int}/invite", guards=[EDITORS], status_code=303, opt={"form": INVITE_FORM}
)
async def invite_to_portal(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    creator_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        invitation = await do_invite_creator_to_portal(
            actor,
            staff,
            mailer_of(request),
            brand_id=brand.brand_id,
            creator_id=creator_id,
            email=form.values["email"],
            base_url=settings_of(request).base_url,
        )
    except InvalidInput as exc:
        return await _creator_page(brand, creator_id, form=form.text, errors=exc.errors, status=400)
    flash(
        request,
        f"Invitation sent to {invitation.email}. The link works for {CREATOR_INVITATION_TTL_DAYS} days.",
        category="success",
    )
    return Redirect(_creator_url(brand, creator_id), status_code=303)


HANDLERS: list[HTTPRouteHandler] = [
    roster,
    new_prospect_page,
    add_prospect,
    creator_page,
    change_stage,
    save_relationship,
    assign_owner,
    set_tags,
    add_note,
    invite_to_portal,
]
