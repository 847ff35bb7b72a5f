"""Disclosure settings: the rules in force per platform, a "try a caption" box, and the brand's adjustments."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.campaigns.rules import DELIVERABLE_KINDS, KIND_LABELS, PLATFORMS, platform_label
from shared.content.disclosure import (
    CUTTING_PLATFORMS,
    TRUNCATION_MAX,
    TRUNCATION_MIN,
    DisclosurePolicySettings,
    DisclosureResult,
    accepted_terms,
    check_caption,
    describe_rules,
    platform_rules,
    policy_to_form,
    unclear_tags,
    with_confirmation,
)
from shared.content.policy import can_adjust_disclosure, do_update_disclosure_policy, get_disclosure_policy
from shared.errors import InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.web.forms import Flag, Form, Integer, Text, read_form

ADJUSTERS = requires_role(Role.OWNER, Role.MANAGER)
ANYONE_AT_BRAND = requires_role(*ALL_ROLES)
CAPTION_MAX = 5000


# The policy is JSONB; the rules (shared.content.disclosure.parse_policy_form) word the limits of each list.
POLICY_FORM = Form(
    extra_terms=Text(max_length=4000, multiline=True),
    extra_ambiguous_tags=Text(max_length=4000),
    strict_placement=Flag(),
    missing_required_blocks=Flag(),
    **{
        f"truncate_{platform}": Integer(
            min_value=TRUNCATION_MIN,
            max_value=TRUNCATION_MAX,
            message=(
                f"Give a number of characters between {TRUNCATION_MIN} and {TRUNCATION_MAX}, or leave it empty "
                f"for {platform_rules(platform).visible_chars}."
            ),
        )
        for platform in CUTTING_PLATFORMS
    },
)


def _settings_url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/settings/disclosure"


def _try_caption(policy: DisclosurePolicySettings, trial: dict[str, str]) -> DisclosureResult | None:
    """The check on the caption typed into the try box (none until something is typed)."""
    if not trial["caption"].strip():
        return None
    required = trial["required"].replace(",", " ").split()
    result = check_caption(
        trial["caption"][:CAPTION_MAX],
        platform=trial["platform"],
        kind=trial["kind"],
        required_hashtags=[tag for tag in required if tag.startswith("#")],
        required_mentions=[tag for tag in required if tag.startswith("@")],
        brand_handle=None,
        policy=policy,
    )
    # The box has no "I confirmed" tick: show what a video would need before it can be approved.
    return with_confirmation(result, confirmed=False)


async def _settings_page(
    brand: BrandAccess,
    *,
    trial: dict[str, str],
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    policy = await get_disclosure_policy(brand.brand_id)
    return Template(
        "backoffice/disclosure_settings.html",
        context={
            "brand": brand,
            "policy": policy,
            "rules": describe_rules(policy),
            "accepted_terms": accepted_terms(policy),
            "unclear_tags": unclear_tags(policy),
            "can_adjust": can_adjust_disclosure(brand.role),
            "form": form if form is not None else policy_to_form(policy),
            "errors": errors or {},
            "platforms": PLATFORMS,
            "platform_label": platform_label,
            "cut_platforms": CUTTING_PLATFORMS,
            "default_chars": {p: platform_rules(p).visible_chars for p in CUTTING_PLATFORMS},
            "kinds": DELIVERABLE_KINDS,
            "kind_labels": KIND_LABELS,
            "trial": trial,
            "disclosure": _try_caption(policy, trial),
        },
        status_code=status,
    )


def _trial(caption: str, platform: str, kind: str, required: str) -> dict[str, str]:
    return {
        "caption": caption,
        "platform": platform if platform in PLATFORMS else PLATFORMS[0],
        "kind": kind if kind in DELIVERABLE_KINDS else DELIVERABLE_KINDS[0],
        "required": required[:500],
    }


@get("/b/{brand_slug:str}/settings/disclosure", guards=[ANYONE_AT_BRAND])
async def disclosure_settings(
    brand: NamedDependency[BrandAccess],
    caption: FromQuery[str] = "",
    platform: FromQuery[str] = "",
    kind: FromQuery[str] = "",
    required: FromQuery[str] = "",
) -> Template:
    return await _settings_page(brand, trial=_trial(caption, platform, kind, required))


@post("/b/{brand_slug:str}/settings/disclosure", guards=[ADJUSTERS], status_code=303, opt={"form": POLICY_FORM})
async def save_disclosure_settings(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_update_disclosure_policy(actor, staff, brand.brand_id, form.text)
    except InvalidInput as exc:
        return await _settings_page(brand, trial=_trial("", "", "", ""), form=form.text, errors=exc.errors, status=400)
    flash(request, "Disclosure rules saved. New checks use them from now on.", category="success")
    return Redirect(_settings_url(brand), status_code=303)


HANDLERS: list[HTTPRouteHandler] = [disclosure_settings, save_disclosure_settings]
