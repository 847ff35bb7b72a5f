"""Campaign and brief actions: one transaction each, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.campaigns.rules import (
    CampaignStatus,
    can_move_campaign,
    diff_briefs,
    is_blank_brief,
    parse_brief,
    validate_campaign,
)
from shared.collaborations.rules import can_negotiate
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.tables import BriefVersion, Campaign
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext


def _require_planner(staff: StaffContext, brand_id: int) -> None:
    if not can_negotiate(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers plan campaigns.")


def _campaign_fields(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "budget_minor": campaign.budget_minor,
        "currency": campaign.currency,
        "starts_on": campaign.starts_on.isoformat() if campaign.starts_on else None,
        "ends_on": campaign.ends_on.isoformat() if campaign.ends_on else None,
        "status": campaign.status,
    }


async def _locked_campaign(brand_id: int, campaign_id: int) -> Campaign:
    rows = await get_engine().fetch(
        "SELECT id FROM campaign WHERE id = $1 AND brand = $2 FOR UPDATE", campaign_id, brand_id
    )
    campaign = await Campaign.objects().where(Campaign.id == campaign_id).first() if rows else None
    if campaign is None:
        raise NotFound("No such campaign.")
    return campaign


async def do_create_campaign(actor: Actor, staff: StaffContext, *, brand_id: int, form: Mapping[str, str]) -> int:
    """An owner or manager opens a campaign (as a draft) with an empty first brief to write."""
    _require_planner(staff, brand_id)
    fields, errors = validate_campaign(form)
    if fields is None:
        raise InvalidInput(errors)
    async with atomic():
        campaign = Campaign(
            brand=brand_id,
            name=fields.name,
            objective=fields.objective,
            budget_minor=fields.budget_minor,
            currency=fields.currency,
            starts_on=fields.starts_on,
            ends_on=fields.ends_on,
            created_by=staff.id,
        )
        await campaign.save()
        await BriefVersion.insert(BriefVersion(campaign=campaign.id, number=1, content={}, created_by=staff.id))
        await write_audit_row(
            actor, "campaign.created", "campaign", campaign.id, brand_id=brand_id, after=_campaign_fields(campaign)
        )
    return int(campaign.id)


async def do_update_campaign(
    actor: Actor, staff: StaffContext, *, brand_id: int, campaign_id: int, form: Mapping[str, str]
) -> None:
    """Change a campaign's name, objective, budget and dates (the currency is fixed once offers exist)."""
    _require_planner(staff, brand_id)
    fields, errors = validate_campaign(form)
    if fields is None:
        raise InvalidInput(errors)
    async with atomic():
        campaign = await _locked_campaign(brand_id, campaign_id)
        before = _campaign_fields(campaign)
        if fields.currency != campaign.currency:
            has_offers = await get_engine().fetch(
                "SELECT 1 FROM collaboration WHERE campaign = $1 LIMIT 1", campaign_id
            )
            if has_offers:
                raise InvalidInput({"currency": "Offers were sent in this currency; it can no longer change."})
        campaign.name, campaign.objective = fields.name, fields.objective
        campaign.budget_minor, campaign.currency = fields.budget_minor, fields.currency
        campaign.starts_on, campaign.ends_on = fields.starts_on, fields.ends_on
        await campaign.save()
        await write_audit_row(
            actor,
            "campaign.updated",
            "campaign",
            campaign_id,
            brand_id=brand_id,
            before=before,
            after=_campaign_fields(campaign),
        )


async def do_change_campaign_status(
    actor: Actor, staff: StaffContext, *, brand_id: int, campaign_id: int, status: str
) -> None:
    """Move a campaign along draft → active → completed, or archive it (and bring it back as a draft)."""
    _require_planner(staff, brand_id)
    async with atomic():
        campaign = await _locked_campaign(brand_id, campaign_id)
        if not can_move_campaign(campaign.status, status):
            raise IllegalTransition(f"This campaign is {campaign.status}; it can't become {status or 'that'}.")
        before = campaign.status
        campaign.status = CampaignStatus(status).value
        await campaign.save()
        await write_audit_row(
            actor,
            "campaign.status_changed",
            "campaign",
            campaign_id,
            brand_id=brand_id,
            before={"status": before},
            after={"status": campaign.status},
        )


async def _working_version(campaign_id: int) -> dict[str, Any]:
    """The newest brief version, locked; a new unpublished one is started when the newest is published."""
    rows = await get_engine().fetch(
        "SELECT id, number, content, published_at FROM brief_version WHERE campaign = $1 "
        "ORDER BY number DESC LIMIT 1 FOR UPDATE",
        campaign_id,
    )
    if not rows:
        raise NotFound("No such campaign.")
    return dict(rows[0])


async def do_save_brief(
    actor: Actor, staff: StaffContext, *, brand_id: int, campaign_id: int, form: Mapping[str, str]
) -> int:
    """Save the brief being written; a published version never changes, so editing one starts the next version."""
    _require_planner(staff, brand_id)
    content, errors = parse_brief(form)
    if content is None:
        raise InvalidInput(errors)
    async with atomic():
        await _locked_campaign(brand_id, campaign_id)
        latest = await _working_version(campaign_id)
        previous = jsonb(latest["content"])
        if latest["published_at"] is None:
            number = int(latest["number"])
            await BriefVersion.update({BriefVersion.content: content}).where(BriefVersion.id == latest["id"])
        else:
            number = int(latest["number"]) + 1
            await BriefVersion.insert(
                BriefVersion(campaign=campaign_id, number=number, content=content, created_by=staff.id)
            )
        changed = [change.field for change in diff_briefs(previous, content)]
        await write_audit_row(
            actor,
            "brief.saved",
            "campaign",
            campaign_id,
            brand_id=brand_id,
            after={"version": number, "changed": changed},
        )
    return number


async def do_publish_brief(actor: Actor, staff: StaffContext, *, brand_id: int, campaign_id: int) -> int:
    """Publish the brief being written: from now on it is what offers point to, and it is immutable."""
    _require_planner(staff, brand_id)
    async with atomic():
        await _locked_campaign(brand_id, campaign_id)
        latest = await _working_version(campaign_id)
        if latest["published_at"] is not None:
            raise IllegalTransition(
                f"Version {latest['number']} is already published; edit the brief to start the next."
            )
        if is_blank_brief(jsonb(latest["content"])):
            raise InvalidInput("Write the brief before publishing it: at least the objectives and deliverables.")
        await BriefVersion.update({BriefVersion.published_at: dt.datetime.now(dt.UTC)}).where(
            BriefVersion.id == latest["id"]
        )
        await write_audit_row(
            actor,
            "brief.published",
            "campaign",
            campaign_id,
            brand_id=brand_id,
            after={"version": int(latest["number"])},
        )
    return int(latest["number"])
