"""Reading contracts: a brand's list by state, a creator's list, one contract, and /verify's lookup."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from shared.collaborations.rules import Terms
from shared.contracts.documents import RenewalTerms
from shared.contracts.rules import STATUS_LABELS, Status
from shared.db.engine import get_engine
from shared.db.rows import jsonb


@dataclass(frozen=True)
class ContractRow:
    id: int
    reference: str
    brand_id: int
    brand_name: str
    brand_slug: str
    collaboration_id: int
    creator_id: int
    creator_name: str
    campaign_name: str
    status: str
    document_key: str
    document_sha256: str
    executed_key: str
    executed_sha256: str
    governing_law: str
    html: str
    terms: Terms
    renewal: RenewalTerms | None  # a usage-rights renewal amendment: what it changes
    amends: int | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    expires_at: dt.datetime | None
    signed_at: dt.datetime | None
    signer_name: str
    countersigned_at: dt.datetime | None
    countersigner_name: str
    executed_at: dt.datetime | None
    reason: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]


_SELECT = """
SELECT t.id, t.reference, t.brand AS brand_id, b.name AS brand_name, b.slug AS brand_slug,
       t.collaboration AS collaboration_id, t.creator AS creator_id, cr.display_name AS creator_name,
       k.name AS campaign_name, t.status, t.document_key, t.document_sha256, t.executed_key, t.executed_sha256,
       t.governing_law, {html} AS html, t.terms, t.amends, t.created_at, t.sent_at, t.expires_at, t.signed_at,
       t.signer_name, t.countersigned_at, t.countersigner_name, t.executed_at, t.reason
FROM contract t JOIN brand b ON b.id = t.brand JOIN creator cr ON cr.id = t.creator
JOIN collaboration c ON c.id = t.collaboration JOIN campaign k ON k.id = c.campaign
"""


def _row(record: Any) -> ContractRow:
    data = dict(record)
    raw = jsonb(data["terms"])
    data["terms"] = Terms.from_json(raw)
    data["renewal"] = RenewalTerms.from_json(raw.get("renewal"))
    return ContractRow(**data)


async def get_contract(contract_id: int) -> ContractRow | None:
    rows = await get_engine().fetch(_SELECT.format(html="t.html") + " WHERE t.id = $1", contract_id)
    return _row(rows[0]) if rows else None


async def list_brand_contracts(brand_id: int, *, status: str | None = None, limit: int = 200) -> list[ContractRow]:
    rows = await get_engine().fetch(
        _SELECT.format(html="''")
        + " WHERE t.brand = $1 AND ($2::text IS NULL OR t.status = $2) ORDER BY t.updated_at DESC, t.id DESC LIMIT $3",
        brand_id,
        status,
        limit,
    )
    return [_row(r) for r in rows]


async def list_creator_contracts(creator_id: int, *, limit: int = 200) -> list[ContractRow]:
    rows = await get_engine().fetch(
        _SELECT.format(html="''")
        + " WHERE t.creator = $1 AND t.status <> 'draft' ORDER BY t.updated_at DESC, t.id DESC LIMIT $2",
        creator_id,
        limit,
    )
    return [_row(r) for r in rows]


async def contracts_for_collaboration(collaboration_id: int) -> list[ContractRow]:
    rows = await get_engine().fetch(
        _SELECT.format(html="''") + " WHERE t.collaboration = $1 ORDER BY t.id DESC", collaboration_id
    )
    return [_row(r) for r in rows]


async def executed_by_sha256(digest: str) -> ContractRow | None:
    """/verify: the executed contract whose sealed PDF has exactly this SHA-256."""
    rows = await get_engine().fetch(
        _SELECT.format(html="''") + " WHERE t.executed_sha256 = $1 AND t.status = 'executed' LIMIT 1", digest
    )
    return _row(rows[0]) if rows else None


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    governing_law: str
    expiry_days: int
    is_default: bool
    version: int
    body: str


async def list_templates(brand_id: int) -> list[Template]:
    rows = await get_engine().fetch(
        """
        SELECT DISTINCT ON (t.id) t.id, t.name, t.governing_law, t.expiry_days, t.is_default, v.number AS version,
               v.body
        FROM contract_template t JOIN contract_template_version v ON v.template = t.id
        WHERE t.brand = $1 ORDER BY t.id, v.number DESC
        """,
        brand_id,
    )
    return [Template(**dict(r)) for r in rows]


async def creator_contracts_export(creator_id: int) -> list[dict[str, Any]]:
    """A creator's contracts for their data export: the contracts, and the events they did themselves (staff's
    IP addresses and devices are not the creator's data)."""
    rows = await get_engine().fetch(
        """
        SELECT t.id, t.reference, b.name AS brand, k.name AS campaign, t.status, t.document_sha256,
               t.executed_sha256, t.sent_at, t.signed_at, t.signer_name, t.countersigned_at, t.executed_at, t.reason,
               COALESCE((SELECT json_agg(json_build_object('kind', e.kind, 'at', e.at, 'ip', e.ip,
                                                           'user_agent', e.user_agent, 'data', e.data) ORDER BY e.seq)
                         FROM contract_event e WHERE e.contract = t.id AND e.actor_kind = 'creator'), '[]') AS events
        FROM contract t JOIN brand b ON b.id = t.brand JOIN collaboration c ON c.id = t.collaboration
        JOIN campaign k ON k.id = c.campaign
        WHERE t.creator = $1 AND t.status <> 'draft'
        ORDER BY t.id
        """,
        creator_id,
    )
    return [
        dict(r) | {"events": json.loads(r["events"]) if isinstance(r["events"], str) else r["events"]} for r in rows
    ]
