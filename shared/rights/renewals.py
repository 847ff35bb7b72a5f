"""Renewals: the brand proposes to extend a grant (a new last day, for a fee); the creator accepts or declines in
the portal. Accepted, an extension is added to the rights ledger (audited); until then the old end date stands.
(The amendment contract and the payable for the fee are the Contracts and Payments areas' to add.)"""

from __future__ import annotations

import datetime as dt

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.money import format_money, to_minor_units
from shared.notifications.actions import Recipient, notify
from shared.rights.actions import _insert, _standing_locked
from shared.rights.rules import REASON_MAX, can_manage_rights, day_text, extension_error

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
            "SELECT 1 FROM rights_renewal WHERE deliverable = $1 AND status = 'proposed'", int(row["deliverable"])
        )
        if open_:
            errors["ends_on"] = "A renewal is already waiting for the creator's answer."
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
            + "Accept or decline it on your usage rights page.",
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


async def do_answer_renewal(actor: Actor, creator_id: int, renewal_id: int, *, accept: bool) -> None:
    """The creator accepts (the grant is extended to the proposed day) or declines a renewal of their own content."""
    async with atomic():
        rows = await get_engine().fetch(
            "SELECT r.*, b.slug FROM rights_renewal r JOIN brand b ON b.id = r.brand "
            "WHERE r.id = $1 AND r.creator = $2 FOR UPDATE OF r",
            renewal_id,
            creator_id,
        )
        if not rows:
            raise NotFound("No such renewal.")
        renewal = rows[0]
        if renewal["status"] != "proposed":
            raise IllegalTransition(f"This renewal was already {renewal['status']}.")
        brand_id = int(renewal["brand"])
        extension = None
        if accept:
            try:
                grant = await _standing_locked(brand_id, int(renewal["entry"]))
            except InvalidInput:
                raise IllegalTransition("The brand changed these rights since; ask them to propose again.") from None
            fee = format_money(int(renewal["fee_minor"]), str(renewal["currency"]))
            extension = await _insert(
                brand_id=brand_id,
                collaboration_id=int(grant["collaboration"]),
                deliverable_id=int(grant["deliverable"]),
                kind="extend",
                source="renewal",
                channels=list(grant["channels"]),
                territories=list(grant["territories"]),
                starts_on=grant["starts_on"],
                ends_on=renewal["ends_on"],
                supersedes=int(renewal["entry"]),
                reason=f"Renewal accepted by the creator, for {fee}"
                + (f": {renewal['note']}" if renewal["note"] else ""),
                actor_label=actor.label,
            )
        status = "accepted" if accept else "declined"
        await get_engine().fetch(
            "UPDATE rights_renewal SET status = $2, extension = $3, answered_at = now() WHERE id = $1",
            renewal_id,
            status,
            extension,
        )
        staff = await get_engine().fetch(
            "SELECT s.id, s.email FROM staff_user s JOIN membership m ON m.staff = s.id AND m.brand = $2 "
            "WHERE s.id = $1 AND s.is_active",
            renewal["proposed_by"],
            brand_id,
        )
        for person in staff:
            await notify(
                Recipient("staff", int(person["id"]), person["email"]),
                kind=f"rights.renewal_{status}",
                title=f"Renewal {status}: usage rights until {day_text(renewal['ends_on'])}"
                if accept
                else "Renewal declined: the rights end as agreed",
                body="The library shows the new date." if accept else "Take the content down when the rights end.",
                link=f"/backoffice/b/{renewal['slug']}/library#asset-{renewal['deliverable']}",
                event_key=f"rights.renewal_answered:{renewal_id}",
                brand_id=brand_id,
            )
        await write_audit_row(
            actor,
            f"rights.renewal_{status}",
            "rights_renewal",
            renewal_id,
            brand_id=brand_id,
            before={"status": "proposed"},
            after={"status": status, "extension": extension, "ends_on": renewal["ends_on"].isoformat()},
        )
