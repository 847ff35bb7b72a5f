"""Helpers the payments actions share: the locked payable, a state move with its audit row, its journal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.errors import NotFound
from shared.ledger.actions import post_journal
from shared.ledger.rules import JournalKind, payable_lines
from shared.notifications.actions import Recipient, notify
from shared.payments.rules import STATUS_LABELS, Status, Verb, next_status

SEND_TRANSFER_TASK = "send_payable_transfer"  # shared/payments/tasks.py, added to shared.jobs without a namespace


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class LockedPayable:
    id: int
    brand_id: int
    collaboration_id: int
    creator_id: int
    milestone: str
    amount_minor: int
    currency: str
    status: str
    method: str
    approvals_required: int
    negotiated_by: int | None
    requested_by: int | None
    stripe_transfer_id: str | None
    brand_name: str
    creator_email: str


_LOCKED = """
SELECT p.id, p.brand, p.collaboration, p.creator, p.milestone, p.amount_minor, p.currency, p.status, p.method,
       p.approvals_required, p.negotiated_by, p.requested_by, p.stripe_transfer_id, b.name AS brand_name,
       coalesce(c.email, '') AS creator_email
FROM payable p JOIN brand b ON b.id = p.brand JOIN creator c ON c.id = p.creator
WHERE p.id = $1 {brand} FOR NO KEY UPDATE OF p
"""


async def lock_payable(payable_id: int, brand_id: int | None = None) -> LockedPayable:
    """The payable, its row locked until the transaction ends: concurrent moves of one payable queue here."""
    if brand_id is None:
        rows = await get_engine().fetch(_LOCKED.format(brand=""), payable_id)
    else:
        rows = await get_engine().fetch(_LOCKED.format(brand="AND p.brand = $2"), payable_id, brand_id)
    if not rows:
        raise NotFound("No such payable.")
    r = rows[0]
    return LockedPayable(
        id=int(r["id"]), brand_id=int(r["brand"]), collaboration_id=int(r["collaboration"]),
        creator_id=int(r["creator"]), milestone=r["milestone"], amount_minor=int(r["amount_minor"]),
        currency=r["currency"], status=r["status"], method=r["method"], approvals_required=int(r["approvals_required"]),
        negotiated_by=r["negotiated_by"], requested_by=r["requested_by"], stripe_transfer_id=r["stripe_transfer_id"],
        brand_name=r["brand_name"], creator_email=r["creator_email"],
    )  # fmt: skip


async def move(
    actor: Actor, payable: LockedPayable, verb: Verb, *, reason: str | None = None, **columns: Any
) -> Status:
    """Move the payable along the state machine, set the given columns, and write the audit row."""
    new = next_status(payable.status, verb)
    sets = ["status = $2", "updated_at = now()"]
    values: list[Any] = [payable.id, new.value]
    if reason is not None:
        columns["reason"] = reason
    for name, value in columns.items():
        values.append(value)
        sets.append(f"{name} = ${len(values)}")
    # Column names come from this module's callers (keyword arguments), never from input.
    await get_engine().fetch(f"UPDATE payable SET {', '.join(sets)} WHERE id = $1", *values)  # noqa: S608
    await write_audit_row(
        actor,
        f"payable.{new.value}",
        "payable",
        payable.id,
        brand_id=payable.brand_id,
        before={"status": payable.status},
        after={"status": new.value, **{k: _plain(v) for k, v in columns.items()}},
    )
    return new


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


async def journal(payable: LockedPayable, kind: JournalKind, *, key_suffix: str = "", stripe_object: str = "",
                  description: str = "", reverses: JournalKind | None = None) -> None:  # fmt: skip
    """Post the payable's journal for this money event, once (keyed by the payable and the event); a correction
    names the journal it reverses."""
    reversed_id = None
    if reverses is not None:
        found = await get_engine().fetch(
            "SELECT id FROM ledger_journal WHERE key = $1", f"payable:{payable.id}:{reverses}"
        )
        reversed_id = int(found[0]["id"]) if found else None
    await post_journal(
        key=f"payable:{payable.id}:{kind}{key_suffix}",
        brand_id=payable.brand_id,
        currency=payable.currency,
        kind=kind,
        lines=payable_lines(kind, payable.creator_id, payable.amount_minor),
        payable_id=payable.id,
        stripe_object=stripe_object,
        description=description,
        reverses=reversed_id,
    )


async def tell_creator(payable: LockedPayable, status: Status, body: str) -> None:
    await notify(
        Recipient("creator", payable.creator_id, payable.creator_email),
        kind=f"payable.{status.value}",
        title=f"{payable.brand_name}: payment {STATUS_LABELS[status].lower()}",
        body=body,
        link="/payments",
        event_key=f"payable.{status.value}:{payable.id}",
        brand_id=payable.brand_id,
    )
