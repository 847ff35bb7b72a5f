"""Helpers the contract actions share: the brand's side and the tools, links, the locked contract row, a state
move with its audit row, telling each party."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.contracts import documents, sealing
from shared.contracts.rules import Status, can_manage_contracts
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.integrations.storage import Storage
from shared.notifications.actions import Recipient, notify
from shared.settings import Settings


@dataclass(frozen=True)
class BrandSide:
    staff: StaffContext
    brand_id: int


@dataclass(frozen=True)
class ContractTools:
    """What generating and sealing need from outside: where PDFs go and the seal's key."""

    storage: Storage
    seal_key: sealing.SealKey
    tsa_url: str | None = None


def staff_contract_link(brand_slug: str, contract_id: int) -> str:
    return f"/backoffice/b/{brand_slug}/contracts/{contract_id}"


def creator_contract_link(contract_id: int) -> str:
    return f"/contracts/{contract_id}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _require_manager(side: BrandSide) -> None:
    if not can_manage_contracts(side.staff.role_at(side.brand_id)):
        raise PermissionDenied("Only owners and managers manage contracts.")


_COLLABORATION = """
SELECT c.id, c.brand, c.creator, c.status, c.agreed_terms, c.created_by, b.name AS brand_name, b.slug AS brand_slug,
       k.name AS campaign_name, cr.display_name AS creator_name, cr.email AS creator_email
FROM collaboration c JOIN brand b ON b.id = c.brand JOIN campaign k ON k.id = c.campaign
JOIN creator cr ON cr.id = c.creator
WHERE c.id = $1
"""


async def _template_version(brand_id: int, template_id: int | None) -> dict[str, Any]:
    rows = await get_engine().fetch(
        """
        SELECT t.id AS template_id, t.governing_law, t.expiry_days, v.id AS version_id, v.body
        FROM contract_template t
        JOIN contract_template_version v ON v.template = t.id
        WHERE t.brand = $1 AND ($2::int IS NULL OR t.id = $2)
        ORDER BY t.is_default DESC, t.id, v.number DESC
        LIMIT 1
        """,
        brand_id,
        template_id,
    )
    if not rows:
        raise NotFound("No such template.")
    return dict(rows[0])


def _renewal_of(row: dict[str, Any]) -> documents.RenewalTerms | None:
    return documents.RenewalTerms.from_json(jsonb(row["terms"]).get("renewal"))


# --- the contract row an action works on ----------------------------------------------------------

_LOCK = """
SELECT t.*, b.name AS brand_name, b.slug AS brand_slug, cr.display_name AS creator_name,
       cr.email AS creator_email, c.status AS collaboration_status, c.created_by AS collaboration_created_by,
       k.name AS campaign_name
FROM contract t JOIN brand b ON b.id = t.brand JOIN creator cr ON cr.id = t.creator
JOIN collaboration c ON c.id = t.collaboration JOIN campaign k ON k.id = c.campaign
WHERE t.id = $1
FOR UPDATE OF t
"""


async def _locked_for_brand(contract_id: int, side: BrandSide) -> dict[str, Any]:
    rows = await get_engine().fetch(_LOCK, contract_id)
    if not rows or rows[0]["brand"] != side.brand_id:
        raise NotFound("No such contract.")
    _require_manager(side)
    return dict(rows[0])


async def _locked_for_creator(contract_id: int, creator_id: int) -> dict[str, Any]:
    rows = await get_engine().fetch(_LOCK, contract_id)
    # A draft is the brand's business until it is sent.
    if not rows or rows[0]["creator"] != creator_id or rows[0]["status"] == Status.DRAFT:
        raise NotFound("No such contract.")
    return dict(rows[0])


async def _staff_recipients(row: dict[str, Any]) -> list[Recipient]:
    rows = await get_engine().fetch(
        """
        SELECT DISTINCT s.id, s.email FROM staff_user s JOIN membership m ON m.staff = s.id AND m.brand = $1
        WHERE s.is_active AND (m.role IN ('owner', 'manager') OR s.id = $2)
        """,
        row["brand"],
        row["collaboration_created_by"],
    )
    return [Recipient("staff", int(r["id"]), r["email"]) for r in rows]


async def _tell_creator(row: dict[str, Any], kind: str, title: str, body: str) -> None:
    await notify(
        Recipient("creator", int(row["creator"]), row["creator_email"] or ""),
        kind=kind,
        title=title,
        body=body,
        link=creator_contract_link(int(row["id"])),
        event_key=f"{kind}:{row['id']}",
        brand_id=int(row["brand"]),
    )


async def _tell_brand(row: dict[str, Any], kind: str, title: str, body: str) -> None:
    for recipient in await _staff_recipients(row):
        await notify(
            recipient,
            kind=kind,
            title=title,
            body=body,
            link=staff_contract_link(row["brand_slug"], int(row["id"])),
            event_key=f"{kind}:{row['id']}",
            brand_id=int(row["brand"]),
        )


async def _move(actor: Actor, row: dict[str, Any], new: Status, action: str, **columns: Any) -> None:
    sets = ", ".join(f"{name} = ${index}" for index, name in enumerate(columns, start=3))
    await get_engine().fetch(
        f"UPDATE contract SET status = $2, updated_at = now(){', ' + sets if sets else ''} WHERE id = $1",  # noqa: S608 - names are ours
        row["id"],
        new.value,
        *columns.values(),
    )
    await write_audit_row(
        actor,
        action,
        "contract",
        int(row["id"]),
        brand_id=int(row["brand"]),
        before={"status": row["status"]},
        after={"status": new.value}
        | {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in columns.items()},
    )


def contract_tools(settings: Settings, storage: Storage) -> ContractTools:
    """The deployment's storage and seal (a generated self-signed pair under ./var when none is configured)."""
    key = sealing.seal_key_from(settings.contract_signing_key, settings.contract_signing_cert)
    return ContractTools(storage, key, settings.contract_tsa_url)
