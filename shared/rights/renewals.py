"""Renewals: the brand proposes to extend a grant (a new last day, for a fee); the creator accepts, counters or
declines in the portal; a counter is the brand's to accept, counter or decline (the page shows what changed).
Agreed terms become an amendment contract (shared.contracts) sent to the creator to sign, then countersigned by
the brand; only its execution adds the extension to the ledger and creates the fee's payable
(shared.rights.amendments). Until then the old end date stands. Every step is audited and tells the other side."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.campaigns.rules import KIND_LABELS, platform_label
from shared.contracts.actions import ContractTools, insert_renewal_amendment, render_renewal_amendment
from shared.contracts.documents import RenewalTerms
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.money import format_money, to_minor_units
from shared.notifications.actions import Recipient, notify
from shared.rights.actions import _standing_locked
from shared.rights.amendments import tell_brand_people
from shared.rights.rules import (
    REASON_MAX,
    RENEWAL_OPEN,
    can_manage_rights,
    channels_text,
    counter_error,
    day_text,
    extension_error,
    next_renewal_status,
    territories_text,
)

CREATOR_RIGHTS_LINK = "/rights"


async def check_propose_renewal(
    actor: Actor, staff: StaffContext, brand_id: int, entry_id: int, *, ends_on: dt.date | None, fee: str, note: str
) -> int:
    """Propose to the creator a later last day for a standing grant, for a fee (0 for none). One open proposal per
    asset; the creator is notified."""
    if not can_manage_rights(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers propose renewals.")
    cleaned = note.strip()
    async with atomic():
        row = await _standing_locked(brand_id, entry_id)
        info = await get_engine().fetch(
            """
            SELECT d.creator, d.title, d.kind, c.currency, cr.email, b.name AS brand_name FROM deliverable d
            JOIN collaboration c ON c.id = d.collaboration JOIN creator cr ON cr.id = d.creator
            JOIN brand b ON b.id = d.brand WHERE d.id = $1
            """,
            int(row["deliverable"]),
        )
        asset = info[0]
        errors: dict[str, str] = {}
        if error := extension_error(row["ends_on"], ends_on):
            errors["ends_on"] = error
        try:
            fee_minor = to_minor_units(fee or "0", str(asset["currency"]))
        except ValueError as exc:
            errors["fee"] = str(exc)
            fee_minor = 0
        if len(cleaned) > REASON_MAX:
            errors["note"] = f"Keep the note under {REASON_MAX} characters."
        open_ = await get_engine().fetch(
            "SELECT 1 FROM rights_renewal WHERE deliverable = $1 AND status = ANY($2::varchar[])",
            int(row["deliverable"]),
            list(RENEWAL_OPEN),
        )
        if open_:
            errors["ends_on"] = "A renewal is already waiting for an answer or for signatures."
        if errors:
            raise InvalidInput(errors)
        assert ends_on is not None
        rows = await get_engine().fetch(
            """
            INSERT INTO rights_renewal (brand, deliverable, creator, entry, ends_on, fee_minor, currency, note, status,
                                        proposed_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', $9, now()) RETURNING id
            """,
            brand_id,
            int(row["deliverable"]),
            int(asset["creator"]),
            entry_id,
            ends_on,
            fee_minor,
            str(asset["currency"]),
            cleaned,
            staff.id,
        )
        renewal_id = int(rows[0]["id"])
        what = asset["title"] or asset["kind"]
        await notify(
            Recipient("creator", int(asset["creator"]), asset["email"] or ""),
            kind="rights.renewal_proposed",
            title=f"{asset['brand_name']} would like to keep using “{what}” until {day_text(ends_on)}",
            body=f"They offer {format_money(fee_minor, str(asset['currency']))} for the extension. "
            + (f"“{cleaned}” " if cleaned else "")
            + "Accept, counter or decline it on your usage rights page.",
            link=CREATOR_RIGHTS_LINK,
            event_key=f"rights.renewal_proposed:{renewal_id}",
            brand_id=brand_id,
        )
        await write_audit_row(
            actor,
            "rights.renewal_proposed",
            "rights_renewal",
            renewal_id,
            brand_id=brand_id,
            after={"entry": entry_id, "ends_on": ends_on.isoformat(), "fee_minor": fee_minor, "note": cleaned},
        )
    return renewal_id


Party = Literal["brand", "creator"]


@dataclass(frozen=True)
class RenewalSide:
    """Who answers a renewal: the creator it is about, or an owner or manager of its brand."""

    party: Party
    creator_id: int = 0
    staff: StaffContext | None = None
    brand_id: int = 0

    @classmethod
    def creator(cls, creator_id: int) -> RenewalSide:
        return cls("creator", creator_id=creator_id)

    @classmethod
    def brand(cls, staff: StaffContext, brand_id: int) -> RenewalSide:
        return cls("brand", staff=staff, brand_id=brand_id)


_RENEWAL = """
SELECT r.*, b.slug, b.name AS brand_name, cr.email AS creator_email, cr.display_name AS creator_name,
       d.collaboration, d.title, d.kind, d.platform
FROM rights_renewal r JOIN brand b ON b.id = r.brand JOIN creator cr ON cr.id = r.creator
JOIN deliverable d ON d.id = r.deliverable
WHERE r.id = $1 AND (($2 = 'creator' AND r.creator = $3) OR ($2 = 'brand' AND r.brand = $3))
"""


async def _renewal(side: RenewalSide, renewal_id: int, *, lock: bool) -> dict[str, Any]:
    owner = side.creator_id if side.party == "creator" else side.brand_id
    rows = await get_engine().fetch(_RENEWAL + (" FOR UPDATE OF r" if lock else ""), renewal_id, side.party, owner)
    if not rows:
        raise NotFound("No such renewal.")
    if side.party == "brand" and (side.staff is None or not can_manage_rights(side.staff.role_at(side.brand_id))):
        raise PermissionDenied("Only owners and managers answer renewals.")
    return dict(rows[0])


def _money(renewal: dict[str, Any], minor: int) -> str:
    return format_money(minor, str(renewal["currency"]))


async def _tell_other_side(
    side: RenewalSide, renewal: dict[str, Any], *, kind: str, title: str, body: str, event_key: str
) -> None:
    if side.party == "creator":
        await tell_brand_people(renewal, kind=kind, title=title, body=body, event_key=event_key)
    else:
        await notify(
            Recipient("creator", int(renewal["creator"]), renewal["creator_email"] or ""),
            kind=kind,
            title=title,
            body=body,
            link=CREATOR_RIGHTS_LINK,
            event_key=event_key,
            brand_id=int(renewal["brand"]),
        )


async def check_counter_renewal(
    actor: Actor, side: RenewalSide, renewal_id: int, *, ends_on: dt.date | None, fee: str, note: str
) -> None:
    """Answer the terms on the table with other ones (another last day, another fee): the creator counters the
    brand's proposal, the brand counters the creator's counter. The other side is asked to answer."""
    cleaned = note.strip()
    async with atomic():
        renewal = await _renewal(side, renewal_id, lock=True)
        status = next_renewal_status(renewal["status"], side.party, "counter")
        errors: dict[str, str] = {}
        grant = await get_engine().fetch("SELECT ends_on FROM rights_entry WHERE id = $1", int(renewal["entry"]))
        if error := extension_error(grant[0]["ends_on"], ends_on):
            errors["ends_on"] = error
        try:
            fee_minor = to_minor_units(fee or "0", str(renewal["currency"]))
        except ValueError as exc:
            errors["fee"] = str(exc)
            fee_minor = int(renewal["fee_minor"])
        if len(cleaned) > REASON_MAX:
            errors["note"] = f"Keep the note under {REASON_MAX} characters."
        same = (renewal["ends_on"], int(renewal["fee_minor"]))
        if not errors and ends_on is not None and (error := counter_error(same, (ends_on, fee_minor))):
            errors["ends_on"] = error
        if errors:
            raise InvalidInput(errors)
        assert ends_on is not None
        counters = int(renewal["counters"]) + 1
        await get_engine().fetch(
            """
            UPDATE rights_renewal SET status = $2, previous_ends_on = ends_on, previous_fee_minor = fee_minor,
                   ends_on = $3, fee_minor = $4, note = $5, counters = $6, answered_at = now()
            WHERE id = $1
            """,
            renewal_id,
            status,
            ends_on,
            fee_minor,
            cleaned,
            counters,
        )
        changes = [
            f"until {day_text(ends_on)} (was {day_text(renewal['ends_on'])})"
            if ends_on != renewal["ends_on"]
            else f"until {day_text(ends_on)}",
            f"for {_money(renewal, fee_minor)} (was {_money(renewal, int(renewal['fee_minor']))})"
            if fee_minor != int(renewal["fee_minor"])
            else f"for {_money(renewal, fee_minor)}",
        ]
        who = renewal["creator_name"] if side.party == "creator" else renewal["brand_name"]
        await _tell_other_side(
            side,
            renewal,
            kind="rights.renewal_countered",
            title=f"{who} countered the renewal: {' '.join(changes)}",
            body=(f"“{cleaned}” " if cleaned else "") + "Accept, counter or decline it.",
            event_key=f"rights.renewal_countered:{renewal_id}:{counters}",
        )
        await write_audit_row(
            actor,
            "rights.renewal_countered",
            "rights_renewal",
            renewal_id,
            brand_id=int(renewal["brand"]),
            before={"status": renewal["status"], "ends_on": renewal["ends_on"].isoformat(),
                    "fee_minor": int(renewal["fee_minor"])},
            after={"status": status, "by": side.party, "ends_on": ends_on.isoformat(), "fee_minor": fee_minor,
                   "note": cleaned},
        )  # fmt: skip


def _renewal_terms(renewal: dict[str, Any], grant: dict[str, Any]) -> RenewalTerms:
    kind = KIND_LABELS.get(renewal["kind"], renewal["kind"])
    title = f" “{renewal['title']}”" if renewal["title"] else ""
    return RenewalTerms(
        renewal_id=int(renewal["id"]),
        asset=f"the {kind.lower()} on {platform_label(renewal['platform'])}{title}",
        channels=channels_text(grant["channels"]),
        territories=territories_text(list(grant["territories"])),
        previous_ends_on=grant["ends_on"],
        ends_on=renewal["ends_on"],
        fee_minor=int(renewal["fee_minor"]),
        currency=str(renewal["currency"]),
    )


async def do_accept_renewal(actor: Actor, side: RenewalSide, tools: ContractTools, renewal_id: int) -> int:
    """Accept the terms on the table (the creator the brand's, the brand the creator's counter): the amendment
    contract is generated and sent to the creator to sign. The grant is not extended yet. Returns the contract."""
    renewal = await _renewal(side, renewal_id, lock=False)
    next_renewal_status(renewal["status"], side.party, "accept")  # refuse early, before rendering
    grant_rows = await get_engine().fetch("SELECT * FROM rights_entry WHERE id = $1", int(renewal["entry"]))
    terms = _renewal_terms(renewal, dict(grant_rows[0]))
    rendered = await render_renewal_amendment(
        actor, tools, collaboration_id=int(renewal["collaboration"]), renewal=terms
    )
    async with atomic():
        locked = await _renewal(side, renewal_id, lock=True)
        status = next_renewal_status(locked["status"], side.party, "accept")
        if (locked["ends_on"], int(locked["fee_minor"])) != (terms.ends_on, terms.fee_minor):
            raise IllegalTransition("The terms changed while you answered; look at them again.")
        made_by = side.staff.id if side.staff is not None else locked["proposed_by"]
        contract_id = await insert_renewal_amendment(actor, rendered, created_by=made_by)
        await get_engine().fetch(
            "UPDATE rights_renewal SET status = $2, contract = $3, answered_at = now() WHERE id = $1",
            renewal_id,
            status,
            contract_id,
        )
        if side.party == "creator":
            await tell_brand_people(
                locked,
                kind="rights.renewal_accepted",
                title=f"Renewal accepted: until {day_text(terms.ends_on)} for {_money(locked, terms.fee_minor)}",
                body=f"{locked['creator_name']} signs the amendment next, then you countersign it. "
                "Until then the current end date stands.",
                event_key=f"rights.renewal_accepted:{renewal_id}",
            )
        # The creator is told by the amendment's own notification ("sent you an amendment to sign").
        await write_audit_row(
            actor,
            "rights.renewal_accepted",
            "rights_renewal",
            renewal_id,
            brand_id=int(locked["brand"]),
            before={"status": locked["status"]},
            after={"status": status, "by": side.party, "contract": contract_id,
                   "ends_on": terms.ends_on.isoformat(), "fee_minor": terms.fee_minor},
        )  # fmt: skip
    return contract_id


async def do_decline_renewal(actor: Actor, side: RenewalSide, renewal_id: int) -> None:
    """Decline the terms on the table: the renewal ends and the rights end as agreed."""
    async with atomic():
        renewal = await _renewal(side, renewal_id, lock=True)
        status = next_renewal_status(renewal["status"], side.party, "decline")
        await get_engine().fetch(
            "UPDATE rights_renewal SET status = $2, answered_at = now() WHERE id = $1", renewal_id, status
        )
        who = renewal["creator_name"] if side.party == "creator" else renewal["brand_name"]
        await _tell_other_side(
            side,
            renewal,
            kind="rights.renewal_declined",
            title=f"{who} declined the renewal: the rights end as agreed",
            body="Take the content down when the rights end." if side.party == "creator" else "",
            event_key=f"rights.renewal_declined:{renewal_id}",
        )
        await write_audit_row(
            actor,
            "rights.renewal_declined",
            "rights_renewal",
            renewal_id,
            brand_id=int(renewal["brand"]),
            before={"status": renewal["status"]},
            after={"status": status, "by": side.party},
        )
