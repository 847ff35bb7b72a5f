"""Sending offers: one per creator, with the terms the brand proposes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions.sides import (
    _add_revision,
    _clean_note,
    _fee_text,
    _today,
    creator_offer_link,
    staff_offer_link,
)
from shared.collaborations.queries import list_offer_candidates
from shared.collaborations.rules import Status, can_negotiate, next_status, parse_terms
from shared.crm.timeline import ensure_relationship, record_interaction
from shared.db.engine import get_engine
from shared.db.tables import Collaboration
from shared.db.transactions import atomic
from shared.errors import InvalidInput, PermissionDenied
from shared.identity.queries import StaffContext
from shared.notifications.actions import Recipient, notify

OPEN_CAMPAIGN = ("draft", "active")


# --- sending offers ------------------------------------------------------------------------------


async def check_send_offers(
    actor: Actor,
    staff: StaffContext,
    *,
    brand_id: int,
    campaign_id: int,
    creator_ids: Sequence[int],
    form: Mapping[str, str],
) -> list[int]:
    """Invite one or many creators to a campaign with the same terms, pointing at its published brief.

    A creator who declined (or whose offer was withdrawn) can be offered again; one with an open offer or
    a deal in this campaign cannot get a second one.
    """
    if not can_negotiate(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers send offers.")
    ids = list(dict.fromkeys(creator_ids))
    if not ids:
        raise InvalidInput({"creators": "Choose at least one creator to invite."})
    note = _clean_note(form.get("note", ""))
    async with atomic():
        campaigns = await get_engine().fetch(
            "SELECT id, name, currency, status FROM campaign WHERE id = $1 AND brand = $2 FOR SHARE",
            campaign_id,
            brand_id,
        )
        if not campaigns:
            raise InvalidInput({"campaign": "Choose one of your campaigns."})
        campaign = campaigns[0]
        terms, errors = parse_terms(form, currency=campaign["currency"], today=_today())
        if campaign["status"] not in OPEN_CAMPAIGN:
            errors["campaign"] = f"“{campaign['name']}” is {campaign['status']}; make it active to send offers."
        briefs = await get_engine().fetch(
            "SELECT id FROM brief_version WHERE campaign = $1 AND published_at IS NOT NULL "
            "ORDER BY number DESC LIMIT 1",
            campaign_id,
        )
        if not briefs:
            errors["campaign"] = "Publish this campaign's brief first: creators read it with the offer."
        creators = {int(row["id"]): row for row in await list_offer_candidates(brand_id, ids)}
        if len(creators) != len(ids):
            errors["creators"] = "Some of the chosen creators are no longer available; choose again."
        existing = await get_engine().fetch(
            "SELECT c.id, c.creator, c.status, cr.display_name FROM collaboration c "
            "JOIN creator cr ON cr.id = c.creator WHERE c.campaign = $1 AND c.creator = ANY($2::int[]) FOR UPDATE OF c",
            campaign_id,
            ids,
        )
        busy = [row["display_name"] for row in existing if row["status"] not in (Status.DECLINED, Status.WITHDRAWN)]
        if busy:
            errors["creators"] = f"Already in this campaign: {', '.join(sorted(busy))}. Answer their offer instead."
        if errors or terms is None:
            raise InvalidInput(errors)
        reopened = {int(row["creator"]): row for row in existing}
        brand_rows = await get_engine().fetch("SELECT slug FROM brand WHERE id = $1", brand_id)
        brand_slug = brand_rows[0]["slug"]
        sent: list[int] = []
        for creator_id in ids:
            creator = creators[creator_id]
            values = {
                "status": Status.INVITED.value,
                "brief_version": int(briefs[0]["id"]),
                "terms": json.dumps(terms.to_json()),
                "fee_minor": terms.fee_minor,
                "currency": terms.currency,
            }
            if creator_id in reopened:
                collaboration_id = int(reopened[creator_id]["id"])
                before = {"status": reopened[creator_id]["status"]}
                next_status(reopened[creator_id]["status"], "brand", "offer")
                await get_engine().fetch(
                    "UPDATE collaboration SET status = $2, brief_version = $3, terms = $4::jsonb, terms_by = 'brand', "
                    "fee_minor = $5, currency = $6, decline_reason = '', created_by = $7, updated_at = now() "
                    "WHERE id = $1",
                    collaboration_id,
                    *values.values(),
                    staff.id,
                )
            else:
                before = None
                collaboration = Collaboration(
                    brand=brand_id,
                    campaign=campaign_id,
                    creator=creator_id,
                    status=Status.INVITED.value,
                    brief_version=values["brief_version"],
                    terms=terms.to_json(),
                    terms_by="brand",
                    fee_minor=terms.fee_minor,
                    currency=terms.currency,
                    created_by=staff.id,
                )
                await collaboration.save()
                collaboration_id = int(collaboration.id)
            revision = await _add_revision(collaboration_id, "brand", staff.name, terms, note)
            await ensure_relationship(brand_id, creator_id, at_least="negotiating")
            await record_interaction(
                brand_id,
                creator_id,
                kind="offer.sent",
                summary=f"Offer sent for “{campaign['name']}”: {_fee_text(terms)}",
                link=staff_offer_link(brand_slug, collaboration_id),
                actor_label=staff.name,
            )
            await notify(
                Recipient("creator", creator_id, creator["email"] or ""),
                kind="offer.new",
                title=f"New offer: {campaign['name']}",
                body=f"A brand invited you to “{campaign['name']}” — {_fee_text(terms)}. "
                "Open it to accept, counter or decline.",
                link=creator_offer_link(collaboration_id),
                event_key=f"offer.new:{collaboration_id}:{revision}",
                brand_id=brand_id,
            )
            await write_audit_row(
                actor,
                "offer.sent",
                "collaboration",
                collaboration_id,
                brand_id=brand_id,
                before=before,
                after={
                    "status": Status.INVITED.value,
                    "creator": creator_id,
                    "fee_minor": terms.fee_minor,
                    "revision": revision,
                },
            )
            sent.append(collaboration_id)
    return sent
