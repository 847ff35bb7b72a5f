"""Generating a contract (or an amendment with new terms) from a collaboration, and sending it for signature."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.rules import Status as CollaborationStatus
from shared.collaborations.rules import Terms
from shared.contracts import documents, sealing
from shared.contracts.actions.common import (
    _COLLABORATION,
    BrandSide,
    ContractTools,
    _locked_for_brand,
    _move,
    _now,
    _require_manager,
    _tell_creator,
    _template_version,
)
from shared.contracts.actions.templates import ensure_default_template
from shared.contracts.evidence import append_event
from shared.contracts.rules import LIVE, Status, next_status
from shared.dates import format_day
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, NotFound


async def do_generate_contract(
    actor: Actor,
    side: BrandSide,
    tools: ContractTools,
    *,
    collaboration_id: int,
    template_id: int | None = None,
    terms_json: dict[str, Any] | None = None,
) -> int:
    """Render the contract for an accepted collaboration (or an amendment with new terms, for one under an
    executed contract) to HTML and PDF, store the PDF with its SHA-256, and keep it as a draft."""
    _require_manager(side)
    engine = get_engine()
    rows = await engine.fetch(_COLLABORATION, collaboration_id)
    if not rows or rows[0]["brand"] != side.brand_id:
        raise NotFound("No such collaboration.")
    collab = rows[0]
    previous = await engine.fetch(
        "SELECT id, status FROM contract WHERE collaboration = $1 ORDER BY id DESC", collaboration_id
    )
    executed = next((r for r in previous if r["status"] == Status.EXECUTED), None)
    if terms_json is None:
        if collab["status"] != CollaborationStatus.ACCEPTED or executed is not None:
            raise IllegalTransition(
                "A contract is generated from an accepted offer; this one is "
                f"{collab['status'].replace('_', ' ')}{' and already under contract' if executed else ''}."
            )
        terms = Terms.from_json(jsonb(collab["agreed_terms"]))
    else:
        if executed is None:
            raise IllegalTransition("An amendment changes an executed contract; this collaboration has none yet.")
        terms = Terms.from_json(terms_json)
    if any(r["status"] in LIVE for r in previous):
        raise IllegalTransition("This collaboration already has a contract in progress: void it first.")
    if template_id is None:
        template_id = await ensure_default_template(actor, side.brand_id)
    template = await _template_version(side.brand_id, template_id)
    number = len(previous) + 1
    reference = f"RC-{collaboration_id}-{number}"
    amends = f"RC-{collaboration_id}-{len(previous)}" if executed is not None else ""
    fields = documents.merge_fields(
        terms,
        documents.Party(collab["brand_name"], collab["creator_name"], collab["campaign_name"]),
        reference=reference,
        date=_now().date(),
        governing_law=template["governing_law"],
        amends=amends,
    )
    body_html = documents.render_body(template["body"], fields)
    title = f"{'Amendment' if amends else 'Agreement'} {reference}: {collab['brand_name']} and {collab['creator_name']}"
    pdf = await asyncio.to_thread(sealing.html_to_pdf, documents.document_html(body_html, title=title))
    digest = sealing.sha256_hex(pdf)
    key = f"contracts/{side.brand_id}/{collaboration_id}/{reference}-{secrets.token_hex(6)}.pdf"
    await tools.storage.put_bytes(key, pdf, "application/pdf")
    async with atomic():
        await engine.fetch("SELECT id FROM collaboration WHERE id = $1 FOR UPDATE", collaboration_id)
        count = await engine.fetch(
            "SELECT count(*) AS n, count(*) FILTER (WHERE status = ANY($2::text[])) AS live FROM contract "
            "WHERE collaboration = $1",
            collaboration_id,
            [s.value for s in LIVE],
        )
        if count[0]["n"] != len(previous) or count[0]["live"]:
            raise IllegalTransition("Someone generated a contract for this collaboration at the same moment.")
        created = await engine.fetch(
            """
            INSERT INTO contract (reference, brand, collaboration, creator, template_version, amends, status, terms,
                                  governing_law, html, document_key, document_sha256, executed_key, executed_sha256,
                                  expiry_days, signer_name, countersigner_name, reason, chain_head, created_by,
                                  created_at, updated_at)
            VALUES ($13, $1, $2, $3, $4, $5, 'draft', $6::jsonb, $7, $8, $9, $10, '', '', $11, '', '', '', '', $12,
                    now(), now())
            RETURNING id
            """,
            side.brand_id,
            collaboration_id,
            collab["creator"],
            template["version_id"],
            int(executed["id"]) if executed else None,
            json.dumps(terms.to_json()),
            template["governing_law"],
            body_html,
            key,
            digest,
            int(template["expiry_days"]),
            side.staff.id,
            reference,
        )
        contract_id = int(created[0]["id"])
        await append_event(
            contract_id,
            "created",
            actor,
            data={"reference": reference, "document_sha256": digest, "template_version": template["version_id"]},
        )
        await write_audit_row(
            actor,
            "contract.generated",
            "contract",
            contract_id,
            brand_id=side.brand_id,
            after={"collaboration": collaboration_id, "reference": reference, "document_sha256": digest},
        )
    return contract_id


async def do_send_contract(actor: Actor, side: BrandSide, *, contract_id: int, user_agent: str = "") -> None:
    async with atomic():
        row = await _locked_for_brand(contract_id, side)
        new = next_status(row["status"], "send")
        now = _now()
        expires_at = now + dt.timedelta(days=int(row["expiry_days"]))
        await _move(actor, row, new, "contract.sent", sent_at=now, expires_at=expires_at)
        await append_event(
            contract_id, "sent", actor, user_agent=user_agent, data={"expires_at": expires_at.isoformat()}
        )
        await _tell_creator(
            row,
            "contract.sent",
            f"{row['brand_name']} sent you a contract to sign",
            f"The contract for “{row['campaign_name']}” is ready. Read the summary and sign it by "
            f"{format_day(expires_at)}.",
        )
