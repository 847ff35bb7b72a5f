"""The relationship card on a creator's page, saved with one button: stage, owner and tags.

Each part still goes through its own action (its rule, its audit row, its timeline entry); this only
applies the parts that changed, in one transaction, so an unchanged stage picker can never move anyone.
"""

from __future__ import annotations

from shared.audit.context import Actor
from shared.crm.actions import do_assign_owner, do_change_stage, do_set_tags
from shared.crm.rules import STAGE_LABELS, parse_tags
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput
from shared.identity.queries import StaffContext


async def do_save_relationship(
    actor: Actor,
    staff: StaffContext,
    *,
    brand_id: int,
    creator_id: int,
    stage: str,
    owner_id: int | None,
    tags: str,
) -> list[str]:
    """Owners and managers save the card: only what differs from the stored relationship changes.

    Returns what changed, in words ("stage: Active"); every problem is reported at once, and then
    nothing is saved.
    """
    changed: list[str] = []
    errors: dict[str, str] = {}
    async with atomic():
        rows = await get_engine().fetch(
            "SELECT stage, owner, tags FROM relationship WHERE brand = $1 AND creator = $2 FOR UPDATE",
            brand_id,
            creator_id,
        )
        current = rows[0] if rows else None
        if stage and stage != (current["stage"] if current else None):
            try:
                await do_change_stage(actor, staff, brand_id=brand_id, creator_id=creator_id, stage=stage)
                changed.append(f"stage: {STAGE_LABELS[stage]}")
            except InvalidInput as exc:
                errors.update(exc.errors)
        if owner_id != (current["owner"] if current else None):
            try:
                await do_assign_owner(actor, staff, brand_id=brand_id, creator_id=creator_id, owner_id=owner_id)
                changed.append("owner")
            except InvalidInput as exc:
                errors.update(exc.errors)
        cleaned, _problem = parse_tags(tags)
        if _problem or cleaned != (list(current["tags"] or []) if current else []):
            try:
                await do_set_tags(actor, staff, brand_id=brand_id, creator_id=creator_id, tags=tags)
                changed.append("tags")
            except InvalidInput as exc:
                errors.update(exc.errors)
        if errors:
            raise InvalidInput(errors)  # rolls back whatever part was already applied
    return changed
