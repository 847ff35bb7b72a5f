"""Offers and deals: sending, countering, accepting, declining, withdrawing; product seeding.

Each action locks the collaboration row (SELECT … FOR UPDATE) before checking the state machine,
so two people answering at once (a creator accepting while the brand withdraws) cannot both win.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.followups import after_offer_move
from shared.collaborations.queries import list_offer_candidates
from shared.collaborations.rules import (
    NOTE_MAX,
    Party,
    Status,
    Terms,
    Verb,
    can_negotiate,
    deliverable_due_on,
    diff_terms,
    next_status,
    parse_terms,
)
from shared.crm.timeline import ensure_relationship, record_interaction
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.tables import Collaboration, Deliverable, Shipment
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.money import format_money
from shared.notifications.actions import Recipient, notify

ADDRESS_MAX = 500
OPEN_CAMPAIGN = ("draft", "active")


@dataclass(frozen=True)
class BrandSide:
    """Staff acting for a brand (owners and managers negotiate)."""

    staff: StaffContext
    brand_id: int


@dataclass(frozen=True)
class CreatorSide:
    creator_id: int


Side = BrandSide | CreatorSide


def _party(side: Side) -> Party:
    return "brand" if isinstance(side, BrandSide) else "creator"


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def staff_offer_link(brand_slug: str, collaboration_id: int) -> str:
    return f"/backoffice/b/{brand_slug}/offers/{collaboration_id}"


def creator_offer_link(collaboration_id: int) -> str:
    return f"/offers/{collaboration_id}"


# --- reading the row an action works on ---------------------------------------------------------

_LOCK = """
SELECT c.id, c.brand, c.campaign, c.creator, c.status, c.terms, c.terms_by, c.currency, c.created_by,
       b.slug AS brand_slug, b.name AS brand_name, k.name AS campaign_name,
       cr.display_name AS creator_name, cr.email AS creator_email
FROM collaboration c
JOIN brand b ON b.id = c.brand
JOIN campaign k ON k.id = c.campaign
JOIN creator cr ON cr.id = c.creator
WHERE c.id = $1
FOR UPDATE OF c
"""


async def _locked(collaboration_id: int, side: Side) -> dict[str, Any]:
    """The collaboration, locked, if this side is part of it; NotFound otherwise (never reveal others')."""
    rows = await get_engine().fetch(_LOCK, collaboration_id)
    row = rows[0] if rows else None
    if isinstance(side, BrandSide):
        if row is None or row["brand"] != side.brand_id:
            raise NotFound("No such offer.")
        if not can_negotiate(side.staff.role_at(side.brand_id)):
            raise PermissionDenied("Only owners and managers negotiate offers.")
    elif row is None or row["creator"] != side.creator_id:
        raise NotFound("No such offer.")
    assert row is not None
    row["terms"] = jsonb(row["terms"])
    locked: dict[str, Any] = row
    return locked


async def staff_recipients(brand_id: int, creator_id: int, created_by: int | None) -> list[Recipient]:
    """Who hears about a collaboration on the brand side: whoever sent the offer and the creator's owner in the CRM
    (still members of the brand)."""
    rows = await get_engine().fetch(
        """
        SELECT DISTINCT s.id, s.email FROM staff_user s
        JOIN membership m ON m.staff = s.id AND m.brand = $1
        WHERE s.is_active AND (s.id = $3 OR s.id = (SELECT owner FROM relationship WHERE brand = $1 AND creator = $2))
        """,
        brand_id,
        creator_id,
        created_by,
    )
    return [Recipient("staff", int(row["id"]), row["email"]) for row in rows]


def _creator_recipient(row: Mapping[str, Any]) -> Recipient:
    return Recipient("creator", int(row["creator"]), row["creator_email"] or "")


async def _tell_the_other_side(
    row: Mapping[str, Any], side: Side, *, kind: str, title: str, body: str, event: str
) -> None:
    """Notify the creator when the brand acted, or the brand's people on this collaboration when the creator did."""
    if isinstance(side, BrandSide):
        await after_offer_move(row, mover_kind="staff", mover_id=side.staff.id, kind=kind)
    else:
        await after_offer_move(row, mover_kind="creator", mover_id=side.creator_id, kind=kind)
    if isinstance(side, BrandSide):
        await notify(
            _creator_recipient(row),
            kind=kind,
            title=title,
            body=body,
            link=creator_offer_link(int(row["id"])),
            event_key=event,
            brand_id=int(row["brand"]),
        )
        return
    for recipient in await staff_recipients(int(row["brand"]), int(row["creator"]), row["created_by"]):
        await notify(
            recipient,
            kind=kind,
            title=title,
            body=body,
            link=staff_offer_link(row["brand_slug"], int(row["id"])),
            event_key=event,
            brand_id=int(row["brand"]),
        )


async def _add_revision(collaboration_id: int, party: Party, label: str, terms: Terms, note: str) -> int:
    rows = await get_engine().fetch(
        """
        INSERT INTO offer_revision (collaboration, number, proposed_by, proposer_label, terms, note, created_at)
        VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM offer_revision WHERE collaboration = $1),
                $2, $3, $4::jsonb, $5, now())
        RETURNING number
        """,
        collaboration_id,
        party,
        label,
        json.dumps(terms.to_json()),
        note,
    )
    return int(rows[0]["number"])


async def _revision_count(collaboration_id: int) -> int:
    rows = await get_engine().fetch(
        "SELECT count(*) AS n FROM offer_revision WHERE collaboration = $1", collaboration_id
    )
    return int(rows[0]["n"])


def _clean_note(note: str, *, field: str = "note") -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput({field: f"Keep the message under {NOTE_MAX} characters."})
    return note


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


def _fee_text(terms: Terms) -> str:
    fee = format_money(terms.fee_minor, terms.currency) if terms.fee_minor else "product only"
    count = len(terms.deliverables)
    return f"{fee} for {count} deliverable{'s' if count != 1 else ''}"


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


# --- product seeding -----------------------------------------------------------------------------


async def _locked_shipment(collaboration_id: int, side: Side) -> tuple[dict[str, Any], dict[str, Any]]:
    row = await _locked(collaboration_id, side)
    shipments = await get_engine().fetch("SELECT * FROM shipment WHERE collaboration = $1 FOR UPDATE", collaboration_id)
    if not shipments:
        raise NotFound("This collaboration has no product seeding.")
    return row, shipments[0]


async def do_give_shipping_address(
    actor: Actor, encryptor: Encryptor, creator_id: int, *, collaboration_id: int, address: str
) -> None:
    """The creator says where to ship the product; it is stored encrypted and shown only to those who ship."""
    cleaned = "\n".join(line.strip() for line in address.strip().splitlines() if line.strip())
    async with atomic():
        row, shipment = await _locked_shipment(collaboration_id, CreatorSide(creator_id))
        if len(cleaned) < 10:
            raise InvalidInput({"address": "Enter the full address: name, street, city, postcode and country."})
        if len(cleaned) > ADDRESS_MAX:
            raise InvalidInput({"address": f"Keep the address under {ADDRESS_MAX} characters."})
        if shipment["shipped_at"] is not None:
            raise IllegalTransition("The product has already shipped; message the brand to change the address.")
        await get_engine().fetch(
            "UPDATE shipment SET address_enc = $2, address_given_at = now() WHERE id = $1",
            shipment["id"],
            encryptor.encrypt(cleaned),
        )
        await record_interaction(
            int(row["brand"]),
            int(row["creator"]),
            kind="seeding.address",
            summary=f"Shipping address given for “{row['campaign_name']}”",
            link=staff_offer_link(row["brand_slug"], collaboration_id),
            actor_label=str(row["creator_name"]),
        )
        await _tell_the_other_side(
            row,
            CreatorSide(creator_id),
            kind="seeding.address",
            title=f"{row['creator_name']} gave a shipping address",
            body=f"Ship “{shipment['product']}” for {row['campaign_name']}.",
            event=f"seeding.address:{shipment['id']}:{dt.datetime.now(dt.UTC).timestamp():.0f}",
        )
        # The address itself never goes into the audit log.
        await write_audit_row(
            actor,
            "seeding.address_given",
            "shipment",
            shipment["id"],
            brand_id=int(row["brand"]),
            after={"replaced": shipment["address_given_at"] is not None},
        )


async def do_record_shipment(
    actor: Actor, side: BrandSide, *, collaboration_id: int, carrier: str, tracking_number: str
) -> None:
    """Staff record that the product left, with the carrier and tracking number the creator can follow."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    errors = {}
    if not carrier or len(carrier) > 100:
        errors["carrier"] = "Enter the carrier, like DHL or USPS."
    if not tracking_number or len(tracking_number) > 100:
        errors["tracking_number"] = "Enter the tracking number the carrier gave you."
    async with atomic():
        row, shipment = await _locked_shipment(collaboration_id, side)
        if errors:
            raise InvalidInput(errors)
        if shipment["address_given_at"] is None:
            raise IllegalTransition("The creator has not given a shipping address yet.")
        if shipment["received_at"] is not None:
            raise IllegalTransition("The creator already confirmed they received it.")
        await get_engine().fetch(
            "UPDATE shipment SET carrier = $2, tracking_number = $3, shipped_at = now(), shipped_by = $4 WHERE id = $1",
            shipment["id"],
            carrier,
            tracking_number,
            side.staff.id,
        )
        await record_interaction(
            int(row["brand"]),
            int(row["creator"]),
            kind="seeding.shipped",
            summary=f"Product shipped with {carrier} ({tracking_number})",
            link=staff_offer_link(row["brand_slug"], collaboration_id),
            actor_label=side.staff.name,
        )
        await _tell_the_other_side(
            row,
            side,
            kind="seeding.shipped",
            title=f"{row['brand_name']} shipped your product",
            body=f"“{shipment['product']}” is on its way with {carrier}, tracking number {tracking_number}.",
            event=f"seeding.shipped:{shipment['id']}:{tracking_number}",
        )
        await write_audit_row(
            actor,
            "seeding.shipped",
            "shipment",
            shipment["id"],
            brand_id=int(row["brand"]),
            before={"shipped": shipment["shipped_at"] is not None},
            after={"carrier": carrier, "tracking_number": tracking_number},
        )


async def do_confirm_receipt(actor: Actor, creator_id: int, *, collaboration_id: int) -> None:
    """The creator confirms the product arrived."""
    async with atomic():
        row, shipment = await _locked_shipment(collaboration_id, CreatorSide(creator_id))
        if shipment["shipped_at"] is None:
            raise IllegalTransition("The brand has not shipped it yet.")
        if shipment["received_at"] is not None:
            raise IllegalTransition("You already confirmed you received it.")
        await get_engine().fetch("UPDATE shipment SET received_at = now() WHERE id = $1", shipment["id"])
        await record_interaction(
            int(row["brand"]),
            int(row["creator"]),
            kind="seeding.received",
            summary=f"{row['creator_name']} received “{shipment['product']}”",
            link=staff_offer_link(row["brand_slug"], collaboration_id),
            actor_label=str(row["creator_name"]),
        )
        await _tell_the_other_side(
            row,
            CreatorSide(creator_id),
            kind="seeding.received",
            title=f"{row['creator_name']} received the product",
            body=f"“{shipment['product']}” arrived for {row['campaign_name']}.",
            event=f"seeding.received:{shipment['id']}",
        )
        await write_audit_row(
            actor,
            "seeding.received",
            "shipment",
            shipment["id"],
            brand_id=int(row["brand"]),
            before={"received": False},
            after={"received": True},
        )
