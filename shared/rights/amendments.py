"""A renewal's amendment contract, once signed (or not): shared.contracts calls these inside its own transaction.

Executed: the extension is added to the rights ledger (superseding the grant that stands) and the renewal fee's
payable is created (shared.payments, keyed by the renewal: once, however often this runs). Declined, voided or
expired: the renewal ends and the old end date stands. Both audited; the brand's people are told.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.money import format_money
from shared.notifications.actions import Recipient, notify
from shared.payments.actions.milestones import record_renewal_fee
from shared.rights.actions import _insert
from shared.rights.queries import STANDING
from shared.rights.rules import day_text, next_renewal_status


async def _locked_renewal(contract_id: int, renewal_id: int) -> dict[str, Any]:
    rows = await get_engine().fetch(
        "SELECT r.*, b.slug FROM rights_renewal r JOIN brand b ON b.id = r.brand "
        "WHERE r.id = $1 AND r.contract = $2 FOR UPDATE OF r",
        renewal_id,
        contract_id,
    )
    if not rows:
        raise LookupError(f"contract {contract_id} names renewal {renewal_id}, which does not name it back")
    return dict(rows[0])


async def tell_brand_people(renewal: dict[str, Any], *, kind: str, title: str, body: str, event_key: str) -> None:
    """The staff member who proposed the renewal, and the brand's owners and managers."""
    people = await get_engine().fetch(
        """
        SELECT DISTINCT s.id, s.email FROM staff_user s JOIN membership m ON m.staff = s.id AND m.brand = $1
        WHERE s.is_active AND (m.role IN ('owner', 'manager') OR s.id = $2)
        """,
        int(renewal["brand"]),
        renewal["proposed_by"],
    )
    for person in people:
        await notify(
            Recipient("staff", int(person["id"]), person["email"]),
            kind=kind,
            title=title,
            body=body,
            link=f"/backoffice/b/{renewal['slug']}/library#asset-{renewal['deliverable']}",
            event_key=event_key,
            brand_id=int(renewal["brand"]),
        )


async def renewal_amendment_executed(actor: Actor, contract_id: int, renewal_id: int, *, at: dt.datetime) -> None:
    """Both sides signed the renewal's amendment: extend the grant to the agreed day and create the fee's payable."""
    engine = get_engine()
    renewal = await _locked_renewal(contract_id, renewal_id)
    status = next_renewal_status(renewal["status"], "contract", "execute")
    deliverable_id = int(renewal["deliverable"])
    await engine.fetch("SELECT id FROM deliverable WHERE id = $1 FOR UPDATE", deliverable_id)
    # The grant proposed on, or what stands in its place now (a go-live re-dated it meanwhile).
    standing = await engine.fetch(
        f"SELECT e.* FROM rights_entry e WHERE e.deliverable = $1 AND {STANDING} "  # noqa: S608 (a constant)
        "ORDER BY (e.id = $2) DESC, e.ends_on DESC, e.id DESC LIMIT 1",
        deliverable_id,
        int(renewal["entry"]),
    )
    extension = None
    grant = standing[0] if standing else None
    if grant is not None and grant["ends_on"] < renewal["ends_on"]:
        fee = format_money(int(renewal["fee_minor"]), str(renewal["currency"]))
        extension = await _insert(
            brand_id=int(renewal["brand"]),
            collaboration_id=int(grant["collaboration"]),
            deliverable_id=deliverable_id,
            kind="extend",
            source="renewal",
            channels=list(grant["channels"]),
            territories=list(grant["territories"]),
            starts_on=grant["starts_on"],
            ends_on=renewal["ends_on"],
            supersedes=int(grant["id"]),
            reason=f"Renewal amendment executed, for {fee}",
            actor_label=actor.label,
        )
        await write_audit_row(
            actor,
            "rights.extended",
            "rights_entry",
            extension,
            brand_id=int(renewal["brand"]),
            before={"entry": int(grant["id"]), "ends_on": grant["ends_on"].isoformat()},
            after={"deliverable": deliverable_id, "ends_on": renewal["ends_on"].isoformat(), "renewal": renewal_id},
        )
    collaboration = await engine.fetch("SELECT collaboration FROM deliverable WHERE id = $1", deliverable_id)
    payable = await record_renewal_fee(
        actor,
        int(collaboration[0]["collaboration"]),
        renewal_id,
        amount_minor=int(renewal["fee_minor"]),
        currency=str(renewal["currency"]),
        at=at,
        negotiated_by=renewal["proposed_by"],
    )
    await engine.fetch(
        "UPDATE rights_renewal SET status = $2, extension = $3, payable = $4, executed_at = $5 WHERE id = $1",
        renewal_id,
        status,
        extension,
        payable,
        at,
    )
    await write_audit_row(
        actor,
        "rights.renewal_executed",
        "rights_renewal",
        renewal_id,
        brand_id=int(renewal["brand"]),
        before={"status": renewal["status"]},
        after={"status": status, "contract": contract_id, "extension": extension, "payable": payable},
    )
    await tell_brand_people(
        renewal,
        kind="rights.renewal_executed",
        title=f"Renewal in effect: usage rights until {day_text(renewal['ends_on'])}",
        body="The amendment is executed: the library shows the new date"
        + (", and the fee waits for approval in Payouts." if payable else "."),
        event_key=f"rights.renewal_executed:{renewal_id}",
    )


async def renewal_amendment_failed(
    actor: Actor, contract_id: int, renewal_id: int, *, declined: bool, reason: str
) -> None:
    """The amendment was declined, voided or expired unsigned: the renewal ends; the old end date stands."""
    renewal = await _locked_renewal(contract_id, renewal_id)
    if renewal["status"] != "signing":
        return
    status = next_renewal_status(renewal["status"], "contract", "decline" if declined else "fail")
    await get_engine().fetch("UPDATE rights_renewal SET status = $2 WHERE id = $1", renewal_id, status)
    await write_audit_row(
        actor,
        f"rights.renewal_{status}",
        "rights_renewal",
        renewal_id,
        brand_id=int(renewal["brand"]),
        before={"status": renewal["status"]},
        after={"status": status, "contract": contract_id, "reason": reason},
    )
    await tell_brand_people(
        renewal,
        kind=f"rights.renewal_{status}",
        title="Renewal not signed: the rights end as agreed",
        body=f"The amendment was not signed ({reason})." if reason else "The amendment was not signed.",
        event_key=f"rights.renewal_{status}:{renewal_id}",
    )
