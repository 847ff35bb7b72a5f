"""Usage-rights renewal amendments: rendered and stored outside a transaction, then recorded and sent inside
the renewal's."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.contracts import documents, sealing
from shared.contracts.actions.common import (
    _COLLABORATION,
    ContractTools,
    _now,
    _template_version,
    creator_contract_link,
)
from shared.contracts.actions.templates import ensure_default_template
from shared.contracts.evidence import append_event
from shared.contracts.rules import Status
from shared.dates import format_day
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import IllegalTransition, NotFound
from shared.notifications.actions import Recipient, notify


@dataclass(frozen=True)
class RenderedAmendment:
    """A renewal amendment rendered and stored, not yet recorded: `insert_renewal_amendment` records it."""

    brand_id: int
    collaboration_id: int
    creator_id: int
    reference: str
    number: int
    amends_id: int | None
    governing_law: str
    expiry_days: int
    html: str
    document_key: str
    document_sha256: str
    terms_json: dict[str, Any]
    brand_name: str
    campaign_name: str


async def render_renewal_amendment(
    actor: Actor, tools: ContractTools, *, collaboration_id: int, renewal: documents.RenewalTerms
) -> RenderedAmendment:
    """Render a usage-rights renewal to HTML and PDF (the shipped renewal template, the brand's governing law and
    expiry from its default template) and store the PDF. Outside any transaction: rendering is slow."""
    engine = get_engine()
    rows = await engine.fetch(_COLLABORATION, collaboration_id)
    if not rows:
        raise NotFound("No such collaboration.")
    collab = rows[0]
    template = await _template_version(int(collab["brand"]), await ensure_default_template(actor, collab["brand"]))
    previous = await engine.fetch(
        "SELECT id, reference, status FROM contract WHERE collaboration = $1 ORDER BY id DESC", collaboration_id
    )
    # The agreement it amends: the first one executed for the deal (none when the deal was agreed without one).
    executed = [r for r in previous if r["status"] == Status.EXECUTED]
    original = executed[-1] if executed else None
    number = len(previous) + 1
    reference = f"RC-{collaboration_id}-{number}"
    party = documents.Party(collab["brand_name"], collab["creator_name"], collab["campaign_name"])
    fields = documents.renewal_fields(
        renewal,
        party,
        reference=reference,
        date=_now().date(),
        governing_law=template["governing_law"],
        amends=original["reference"] if original else "",
    )
    body_html = documents.render_body(documents.RENEWAL_TEMPLATE, fields)
    title = f"Amendment {reference}: {collab['brand_name']} and {collab['creator_name']}"
    pdf = await asyncio.to_thread(sealing.html_to_pdf, documents.document_html(body_html, title=title))
    digest = sealing.sha256_hex(pdf)
    key = f"contracts/{collab['brand']}/{collaboration_id}/{reference}-{secrets.token_hex(6)}.pdf"
    await tools.storage.put_bytes(key, pdf, "application/pdf")
    return RenderedAmendment(
        brand_id=int(collab["brand"]),
        collaboration_id=collaboration_id,
        creator_id=int(collab["creator"]),
        reference=reference,
        number=number,
        amends_id=int(original["id"]) if original else None,
        governing_law=template["governing_law"],
        expiry_days=int(template["expiry_days"]),
        html=body_html,
        document_key=key,
        document_sha256=digest,
        terms_json=jsonb(collab["agreed_terms"]) | {"renewal": renewal.to_json()},
        brand_name=collab["brand_name"],
        campaign_name=collab["campaign_name"],
    )


async def insert_renewal_amendment(actor: Actor, rendered: RenderedAmendment, *, created_by: int | None) -> int:
    """Record a rendered renewal amendment and send it to the creator for signature, inside the caller's
    transaction (the renewal's agreement). Its evidence starts with "created" and "sent"."""
    engine = get_engine()
    await engine.fetch("SELECT id FROM collaboration WHERE id = $1 FOR UPDATE", rendered.collaboration_id)
    count = await engine.fetch("SELECT count(*) AS n FROM contract WHERE collaboration = $1", rendered.collaboration_id)
    if int(count[0]["n"]) != rendered.number - 1:
        raise IllegalTransition("Someone generated a contract for this collaboration at the same moment; try again.")
    now = _now()
    expires_at = now + dt.timedelta(days=rendered.expiry_days)
    created = await engine.fetch(
        """
        INSERT INTO contract (reference, brand, collaboration, creator, template_version, amends, status, terms,
                              governing_law, html, document_key, document_sha256, executed_key, executed_sha256,
                              expiry_days, signer_name, countersigner_name, reason, chain_head, created_by,
                              sent_at, expires_at, created_at, updated_at)
        VALUES ($1, $2, $3, $4, NULL, $5, 'sent', $6::jsonb, $7, $8, $9, $10, '', '', $11, '', '', '', '', $12,
                $13, $14, now(), now())
        RETURNING id
        """,
        rendered.reference,
        rendered.brand_id,
        rendered.collaboration_id,
        rendered.creator_id,
        rendered.amends_id,
        json.dumps(rendered.terms_json),
        rendered.governing_law,
        rendered.html,
        rendered.document_key,
        rendered.document_sha256,
        rendered.expiry_days,
        created_by,
        now,
        expires_at,
    )
    contract_id = int(created[0]["id"])
    await append_event(
        contract_id,
        "created",
        actor,
        data={"reference": rendered.reference, "document_sha256": rendered.document_sha256, "renewal": True},
    )
    await append_event(contract_id, "sent", actor, data={"expires_at": expires_at.isoformat()})
    await write_audit_row(
        actor,
        "contract.generated",
        "contract",
        contract_id,
        brand_id=rendered.brand_id,
        after={
            "collaboration": rendered.collaboration_id,
            "reference": rendered.reference,
            "document_sha256": rendered.document_sha256,
            "renewal": rendered.terms_json["renewal"]["renewal_id"],
        },
    )
    await write_audit_row(
        actor,
        "contract.sent",
        "contract",
        contract_id,
        brand_id=rendered.brand_id,
        before={"status": Status.DRAFT.value},
        after={"status": Status.SENT.value, "expires_at": expires_at.isoformat()},
    )
    rows = await engine.fetch("SELECT email FROM creator WHERE id = $1", rendered.creator_id)
    await notify(
        Recipient("creator", rendered.creator_id, (rows[0]["email"] if rows else "") or ""),
        kind="contract.sent",
        title=f"{rendered.brand_name} sent you an amendment to sign",
        body=f"The usage-rights renewal for “{rendered.campaign_name}” is ready. Read the summary and sign it by "
        f"{format_day(expires_at)}.",
        link=creator_contract_link(contract_id),
        event_key=f"contract.sent:{contract_id}",
        brand_id=rendered.brand_id,
    )
    return contract_id
