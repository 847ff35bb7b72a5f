"""Product seeding: the creator's shipping address, the brand's shipment, the creator confirming receipt."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions.sides import (
    BrandSide,
    CreatorSide,
    Side,
    _locked,
    _tell_the_other_side,
    staff_offer_link,
)
from shared.crm.timeline import record_interaction
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound

ADDRESS_MAX = 500


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
