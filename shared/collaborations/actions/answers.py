"""Answering an offer: countering, accepting, declining, withdrawing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions.sides import (
    BrandSide,
    CreatorSide,
    Side,
    _add_revision,
    _clean_note,
    _fee_text,
    _locked,
    _party,
    _revision_count,
    _tell_the_other_side,
    _today,
    staff_offer_link,
)
from shared.collaborations.rules import Terms, Verb, deliverable_due_on, diff_terms, next_status, parse_terms
from shared.crm.timeline import ensure_relationship, record_interaction
from shared.db.engine import get_engine
from shared.db.tables import Deliverable, Shipment
from shared.db.transactions import atomic
from shared.errors import InvalidInput

# --- answering an offer --------------------------------------------------------------------------


def _label(side: Side, row: Mapping[str, Any]) -> str:
    return side.staff.name if isinstance(side, BrandSide) else str(row["creator_name"])


async def check_counter_offer(actor: Actor, side: Side, *, collaboration_id: int, form: Mapping[str, str]) -> None:
    """Propose changed terms (fee, dates, deliverables…); the other side answers next."""
    note = _clean_note(form.get("note", ""))
    party = _party(side)
    async with atomic():
        row = await _locked(collaboration_id, side)
        new_status = next_status(row["status"], party, "counter")
        current = Terms.from_json(row["terms"])
        terms, errors = parse_terms(form, currency=row["currency"], today=_today(), base=current)
        if terms is None:
            raise InvalidInput(errors)
        changes = diff_terms(current, terms)
        if not changes:
            raise InvalidInput("Nothing changed. Change the fee, dates or deliverables, or accept the offer as it is.")
        await get_engine().fetch(
            "UPDATE collaboration SET status = $2, terms = $3::jsonb, terms_by = $4, fee_minor = $5, "
            "updated_at = now() WHERE id = $1",
            collaboration_id,
            new_status.value,
            json.dumps(terms.to_json()),
            party,
            terms.fee_minor,
        )
        revision = await _add_revision(collaboration_id, party, _label(side, row), terms, note)
        await ensure_relationship(int(row["brand"]), int(row["creator"]), at_least="negotiating")
        await record_interaction(
            int(row["brand"]),
            int(row["creator"]),
            kind="offer.countered",
            summary=f"{'Brand' if party == 'brand' else 'Creator'} countered on “{row['campaign_name']}”: "
            + "; ".join(changes),
            link=staff_offer_link(row["brand_slug"], collaboration_id),
            actor_label=_label(side, row),
        )
        who = row["brand_name"] if party == "brand" else row["creator_name"]
        await _tell_the_other_side(
            row,
            side,
            kind="offer.countered",
            title=f"Counter-offer from {who}: {row['campaign_name']}",
            body="; ".join(changes) + (f"\n\n“{note}”" if note else ""),
            event=f"offer.countered:{row['id']}:{revision}",
        )
        await write_audit_row(
            actor,
            "offer.countered",
            "collaboration",
            collaboration_id,
            brand_id=int(row["brand"]),
            before={"status": row["status"], "fee_minor": current.fee_minor},
            after={"status": new_status.value, "fee_minor": terms.fee_minor, "revision": revision, "changes": changes},
        )


async def do_accept_offer(actor: Actor, side: Side, *, collaboration_id: int) -> None:
    """Accept the terms on the table: they are frozen as the agreed snapshot and the deliverables become due."""
    party = _party(side)
    async with atomic():
        row = await _locked(collaboration_id, side)
        new_status = next_status(row["status"], party, "accept")
        terms = Terms.from_json(row["terms"])
        await get_engine().fetch(
            "UPDATE collaboration SET status = $2, agreed_terms = terms, agreed_at = now(), updated_at = now() "
            "WHERE id = $1",
            collaboration_id,
            new_status.value,
        )
        for position, item in enumerate(terms.deliverables, start=1):
            await Deliverable.insert(
                Deliverable(
                    collaboration=collaboration_id,
                    brand=row["brand"],
                    campaign=row["campaign"],
                    creator=row["creator"],
                    position=position,
                    kind=item.kind,
                    platform=item.platform,
                    title=item.title,
                    draft_due=item.draft_due,
                    live_due=item.live_due,
                    due_on=deliverable_due_on(item.draft_due, item.live_due, "pending"),
                )
            )
        if terms.product:
            await Shipment.insert(Shipment(collaboration=collaboration_id, product=terms.product))
        await ensure_relationship(int(row["brand"]), int(row["creator"]), at_least="active")
        await record_interaction(
            int(row["brand"]),
            int(row["creator"]),
            kind="offer.accepted",
            summary=f"Deal agreed for “{row['campaign_name']}”: {_fee_text(terms)}",
            link=staff_offer_link(row["brand_slug"], collaboration_id),
            actor_label=_label(side, row),
        )
        who = row["brand_name"] if party == "brand" else row["creator_name"]
        await _tell_the_other_side(
            row,
            side,
            kind="offer.accepted",
            title=f"{who} accepted: {row['campaign_name']}",
            body=f"The terms are agreed ({_fee_text(terms)}). The deliverables are on your board.",
            event=f"offer.accepted:{row['id']}",
        )
        await write_audit_row(
            actor,
            "offer.accepted",
            "collaboration",
            collaboration_id,
            brand_id=int(row["brand"]),
            before={"status": row["status"]},
            after={"status": new_status.value, "fee_minor": terms.fee_minor, "deliverables": len(terms.deliverables)},
        )


async def _close(
    actor: Actor, side: Side, *, collaboration_id: int, verb: Verb, reason: str, reason_required: bool = False
) -> None:
    party = _party(side)
    async with atomic():
        row = await _locked(collaboration_id, side)
        new_status = next_status(row["status"], party, verb)
        reason = _clean_note(reason, field="reason")
        if reason_required and not reason:
            raise InvalidInput({"reason": "Tell the brand why, in a few words (for example: dates don't work)."})
        await get_engine().fetch(
            "UPDATE collaboration SET status = $2, decline_reason = $3, updated_at = now() WHERE id = $1",
            collaboration_id,
            new_status.value,
            reason,
        )
        words = {"decline": "declined", "withdraw": "withdrew"}[verb]
        await record_interaction(
            int(row["brand"]),
            int(row["creator"]),
            kind=f"offer.{new_status.value}",
            summary=f"{_label(side, row)} {words} the offer for “{row['campaign_name']}”"
            + (f": {reason}" if reason else ""),
            link=staff_offer_link(row["brand_slug"], collaboration_id),
            actor_label=_label(side, row),
        )
        who = row["brand_name"] if party == "brand" else row["creator_name"]
        await _tell_the_other_side(
            row,
            side,
            kind=f"offer.{new_status.value}",
            title=f"{who} {words} the offer: {row['campaign_name']}",
            body=reason,
            # A re-sent offer can be declined again: the revision tells the two declines apart.
            event=f"offer.{new_status.value}:{row['id']}:{await _revision_count(collaboration_id)}",
        )
        await write_audit_row(
            actor,
            f"offer.{new_status.value}",
            "collaboration",
            collaboration_id,
            brand_id=int(row["brand"]),
            before={"status": row["status"]},
            after={"status": new_status.value, "reason": reason},
        )


async def do_decline_offer(actor: Actor, creator_id: int, *, collaboration_id: int, reason: str) -> None:
    """A creator turns an offer down, saying why (the brand learns what to offer next time)."""
    await _close(
        actor,
        CreatorSide(creator_id),
        collaboration_id=collaboration_id,
        verb="decline",
        reason=reason,
        reason_required=True,
    )


async def do_withdraw_offer(actor: Actor, side: BrandSide, *, collaboration_id: int, reason: str) -> None:
    """The brand takes back an offer that is still open (it can be sent again later)."""
    await _close(
        actor, side, collaboration_id=collaboration_id, verb="withdraw", reason=_clean_note(reason, field="reason")
    )
