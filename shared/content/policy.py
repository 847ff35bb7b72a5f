"""A brand's disclosure policy: reading it for the checks, and owners and managers adjusting it."""

from __future__ import annotations

import json
from collections.abc import Mapping

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.content.disclosure import DisclosurePolicySettings, parse_policy_form
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, PermissionDenied
from shared.identity.queries import StaffContext
from shared.identity.rules import Role


def can_adjust_disclosure(role: Role | None) -> bool:
    """Owners and managers set the brand's disclosure rules; every other role reads them."""
    return role in (Role.OWNER, Role.MANAGER)


async def get_disclosure_policy(brand_id: int) -> DisclosurePolicySettings:
    """The brand's adjustments; the defaults when the brand never changed anything (never raises)."""
    rows = await get_engine().fetch("SELECT settings FROM disclosure_policy WHERE brand = $1", brand_id)
    return DisclosurePolicySettings.from_json(rows[0]["settings"] if rows else None)


async def do_update_disclosure_policy(
    actor: Actor, staff: StaffContext, brand_id: int, form: Mapping[str, str]
) -> DisclosurePolicySettings:
    """An owner or manager changes the brand's accepted terms, unclear tags, cut-offs and strictness."""
    if not can_adjust_disclosure(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers change the disclosure rules.")
    policy, errors = parse_policy_form(form)
    if policy is None:
        raise InvalidInput(errors)
    engine = get_engine()
    async with atomic():
        # The row may not exist yet: create it empty, then lock it, so two saves can't both insert.
        await engine.fetch(
            "INSERT INTO disclosure_policy (brand, settings, updated_at) VALUES ($1, '{}'::jsonb, now()) "
            "ON CONFLICT (brand) DO NOTHING",
            brand_id,
        )
        rows = await engine.fetch("SELECT id, settings FROM disclosure_policy WHERE brand = $1 FOR UPDATE", brand_id)
        before = DisclosurePolicySettings.from_json(rows[0]["settings"])
        await engine.fetch(
            "UPDATE disclosure_policy SET settings = $2::jsonb, updated_at = now() WHERE id = $1",
            rows[0]["id"],
            json.dumps(policy.to_json()),
        )
        await write_audit_row(
            actor,
            "disclosure_policy.updated",
            "brand",
            brand_id,
            brand_id=brand_id,
            before=before.to_json(),
            after=policy.to_json(),
        )
    return policy
