"""Contract actions: templates, generating, sending, viewing, signing, countersigning, declining, voiding,
expiring and reminding. Each one locks the contract row, checks the state machine (shared.contracts.rules),
appends to the evidence chain and writes an audit row in one transaction; notifications go out with it.

Rendering and sealing are CPU-bound: they run in a worker thread (`asyncio.to_thread`), never on the loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor, system_actor
from shared.collaborations.rules import Status as CollaborationStatus
from shared.collaborations.rules import Terms, status_when_contract_executed
from shared.contracts import documents, sealing
from shared.contracts.evidence import append_event, contract_events
from shared.contracts.queries import ContractRow
from shared.contracts.rules import (
    ESIGN_CONSENT_VERSION,
    LIVE,
    Status,
    can_manage_contracts,
    clean_legal_name,
    clean_reason,
    consent_hash,
    next_status,
    sign_in_is_fresh,
)
from shared.crypto import Encryptor
from shared.dates import format_day
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity import throttle, totp
from shared.identity.queries import StaffContext
from shared.identity.rules import ACCOUNT_THRESHOLD
from shared.identity.throttle import TooManyAttempts
from shared.integrations.storage import Storage
from shared.notifications.actions import Recipient, notify
from shared.payments.actions.milestones import record_milestone
from shared.rights.amendments import renewal_amendment_executed, renewal_amendment_failed
from shared.settings import Settings

REMIND_AFTER = dt.timedelta(days=3)
REMIND_BEFORE_EXPIRY = dt.timedelta(days=1)
EXPIRY_DAYS_MAX = 90


class FreshSignInRequired(PermissionDenied):
    """Signing needs a sign-in from the last 15 minutes: send the creator to their provider again."""


class SecondFactorRequired(PermissionDenied):
    """Countersigning needs TOTP, and this staff member has not set it up."""


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


# --- templates ----------------------------------------------------------------------------------


async def ensure_default_template(actor: Actor, brand_id: int) -> int:
    """The brand's default template, created from the shipped one when the brand has none."""
    async with atomic():
        engine = get_engine()
        await engine.fetch("SELECT id FROM brand WHERE id = $1 FOR UPDATE", brand_id)
        rows = await engine.fetch(
            "SELECT id FROM contract_template WHERE brand = $1 ORDER BY is_default DESC, id LIMIT 1", brand_id
        )
        if rows:
            return int(rows[0]["id"])
        created = await engine.fetch(
            "INSERT INTO contract_template (brand, name, governing_law, expiry_days, is_default, created_at, "
            "updated_at) "
            "VALUES ($1, $2, 'the State of New York, USA', 14, true, now(), now()) RETURNING id",
            brand_id,
            documents.DEFAULT_TEMPLATE_NAME,
        )
        template_id = int(created[0]["id"])
        await engine.fetch(
            "INSERT INTO contract_template_version (template, number, body, created_by, created_at) "
            "VALUES ($1, 1, $2, NULL, now())",
            template_id,
            documents.DEFAULT_TEMPLATE,
        )
        await write_audit_row(
            actor,
            "contract_template.created",
            "contract_template",
            template_id,
            brand_id=brand_id,
            after={"version": 1},
        )
        return template_id


async def do_save_template(
    actor: Actor,
    side: BrandSide,
    *,
    template_id: int | None,
    name: str,
    body: str,
    governing_law: str,
    expiry_days: int,
) -> int:
    """Save a template as a new version (refused when it doesn't parse or names an unknown field)."""
    _require_manager(side)
    errors: dict[str, str] = {}
    name, governing_law = name.strip(), governing_law.strip()
    if not name or len(name) > 200:
        errors["name"] = "Name the template (under 200 characters)."
    if not governing_law or len(governing_law) > 200:
        errors["governing_law"] = "Say which law governs the contract, like “the State of New York, USA”."
    if not 1 <= expiry_days <= EXPIRY_DAYS_MAX:
        errors["expiry_days"] = f"Contracts expire after 1 to {EXPIRY_DAYS_MAX} days."
    try:
        documents.check_template(body)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    engine = get_engine()
    async with atomic():
        if template_id is None:
            rows = await engine.fetch(
                "INSERT INTO contract_template (brand, name, governing_law, expiry_days, is_default, created_at, "
                "updated_at) VALUES ($1, $2, $3, $4, NOT EXISTS (SELECT 1 FROM contract_template WHERE brand = $1), "
                "now(), now()) RETURNING id",
                side.brand_id,
                name,
                governing_law,
                expiry_days,
            )
            template_id = int(rows[0]["id"])
        else:
            rows = await engine.fetch(
                "UPDATE contract_template SET name = $3, governing_law = $4, expiry_days = $5, updated_at = now() "
                "WHERE id = $1 AND brand = $2 RETURNING id",
                template_id,
                side.brand_id,
                name,
                governing_law,
                expiry_days,
            )
            if not rows:
                raise NotFound("No such template.")
        version = await engine.fetch(
            "INSERT INTO contract_template_version (template, number, body, created_by, created_at) "
            "VALUES ($1, (SELECT COALESCE(max(number), 0) + 1 FROM contract_template_version WHERE template = $1), "
            "$2, $3, now()) RETURNING number",
            template_id,
            body,
            side.staff.id,
        )
        await write_audit_row(
            actor,
            "contract_template.saved",
            "contract_template",
            template_id,
            brand_id=side.brand_id,
            after={"version": int(version[0]["number"]), "name": name, "governing_law": governing_law},
        )
    return template_id


# --- generating ---------------------------------------------------------------------------------

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


# --- renewal amendments ----------------------------------------------------------------------------


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


# --- the lifecycle --------------------------------------------------------------------------------


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


async def do_record_view(actor: Actor, creator_id: int, *, contract_id: int, user_agent: str = "") -> None:
    """The creator opened the contract: the first opening after it was sent is evidence."""
    async with atomic():
        row = await _locked_for_creator(contract_id, creator_id)
        if row["status"] != Status.SENT:
            return
        seen = await get_engine().fetch(
            "SELECT 1 FROM contract_event WHERE contract = $1 AND kind = 'viewed' LIMIT 1", contract_id
        )
        if not seen:
            await append_event(contract_id, "viewed", actor, user_agent=user_agent)


async def do_record_download(
    actor: Actor, contract_id: int, *, which: str, user_agent: str = "", creator_id: int | None = None
) -> None:
    async with atomic():
        rows = await get_engine().fetch("SELECT id, creator FROM contract WHERE id = $1 FOR UPDATE", contract_id)
        if not rows or (creator_id is not None and rows[0]["creator"] != creator_id):
            raise NotFound("No such contract.")
        await append_event(contract_id, "downloaded", actor, user_agent=user_agent, data={"file": which})


@dataclass(frozen=True)
class ContractFile:
    """The PDF a party downloads: the executed one once there is one, else the document to sign."""

    data: bytes
    filename: str


async def do_download_contract(
    actor: Actor,
    contract: ContractRow,
    storage: Storage,
    *,
    user_agent: str = "",
    creator_id: int | None = None,
) -> ContractFile:
    """Read the contract's current PDF from storage and record the download in its evidence trail."""
    executed = bool(contract.executed_key)
    data = await storage.get_bytes(contract.executed_key or contract.document_key)
    await do_record_download(
        actor,
        contract.id,
        which="executed" if executed else "document",
        user_agent=user_agent,
        creator_id=creator_id,
    )
    return ContractFile(data, f"{contract.reference}{'-executed' if executed else ''}.pdf")


async def do_sign_contract(
    actor: Actor,
    creator_id: int,
    *,
    contract_id: int,
    legal_name: str,
    consent: bool,
    consent_sha256: str,
    intent: bool,
    signed_in_at: dt.datetime | None,
    identity: str,
    user_agent: str = "",
) -> None:
    """The creator signs: ESIGN consent, typed legal name, intent, on a sign-in from the last 15 minutes."""
    async with atomic():
        row = await _locked_for_creator(contract_id, creator_id)
        new = next_status(row["status"], "sign")
        now = _now()
        if row["expires_at"] is not None and row["expires_at"] <= now:
            raise IllegalTransition(
                "You can't sign this contract: it expired unsigned. Ask the brand to send it again."
            )
        if not sign_in_is_fresh(signed_in_at, now):
            raise FreshSignInRequired("For your security, sign in again (within 15 minutes of signing).")
        errors: dict[str, str] = {}
        if not consent or consent_sha256 != consent_hash():
            errors["consent"] = "Agree to electronic records and signatures to sign electronically."
        if not intent:
            errors["intent"] = "Tick the box to confirm you intend to sign this contract."
        try:
            name = clean_legal_name(legal_name)
        except InvalidInput as error:
            errors.update(error.errors)
        if errors:
            raise InvalidInput(errors)
        await append_event(
            contract_id,
            "consented",
            actor,
            user_agent=user_agent,
            data={"consent_version": ESIGN_CONSENT_VERSION, "consent_sha256": consent_hash()},
        )
        await append_event(
            contract_id,
            "signed",
            actor,
            user_agent=user_agent,
            data={"legal_name": name, "identity": identity, "document_sha256": row["document_sha256"]},
        )
        await _move(actor, row, new, "contract.signed", signed_at=now, signer_name=name)
        await _tell_brand(
            row,
            "contract.signed",
            f"{row['creator_name']} signed the contract: {row['campaign_name']}",
            "Countersign it with your authenticator code to execute it.",
        )


async def do_countersign_contract(
    actor: Actor,
    side: BrandSide,
    tools: ContractTools,
    encryptor: Encryptor,
    *,
    contract_id: int,
    code: str,
    user_agent: str = "",
) -> None:
    """An owner or manager countersigns with a current TOTP code; the contract is then executed: sealed with the
    certificate of completion, and the collaboration is under contract."""
    engine = get_engine()
    staff_rows = await engine.fetch(
        "SELECT totp_secret_enc, totp_enabled_at, name FROM staff_user WHERE id = $1", side.staff.id
    )
    staff = staff_rows[0] if staff_rows else None
    throttle_key = f"totp:{side.staff.id}"  # shared with the sign-in's second step: guesses add up across both
    try:
        await _countersign(
            actor,
            side,
            tools,
            encryptor,
            staff,
            throttle_key,
            contract_id=contract_id,
            code=code,
            user_agent=user_agent,
        )
    except _WrongCode:
        async with atomic():
            await throttle.record_failure(throttle_key, ACCOUNT_THRESHOLD)
            await write_audit_row(
                actor, "contract.countersign_code_failed", "contract", contract_id, brand_id=side.brand_id
            )
        raise InvalidInput({"code": "That code is not right. Enter the current 6-digit code from your app."}) from None


class _WrongCode(Exception):
    """A wrong TOTP code: the countersign transaction rolls back, then the failure is counted in its own."""


async def _countersign(
    actor: Actor,
    side: BrandSide,
    tools: ContractTools,
    encryptor: Encryptor,
    staff: Any,
    throttle_key: str,
    *,
    contract_id: int,
    code: str,
    user_agent: str,
) -> None:
    engine = get_engine()
    async with atomic():
        row = await _locked_for_brand(contract_id, side)
        countersigned = next_status(row["status"], "countersign")
        if staff is None or staff["totp_enabled_at"] is None or not staff["totp_secret_enc"]:
            raise SecondFactorRequired("Set up two-factor authentication (TOTP) first: countersigning needs a code.")
        locked = await throttle.seconds_locked([throttle_key])
        if locked:
            raise TooManyAttempts(locked)
        secret = encryptor.decrypt(staff["totp_secret_enc"])
        if secret is None or not totp.code_is_valid(secret, code):
            raise _WrongCode
        await throttle.reset(throttle_key)
        now = _now()
        await append_event(
            contract_id,
            "countersigned",
            actor,
            user_agent=user_agent,
            data={"method": "TOTP", "name": staff["name"], "document_sha256": row["document_sha256"]},
        )
        await _move(
            actor, row, countersigned, "contract.countersigned", countersigned_at=now, countersigner_name=staff["name"]
        )
        row["status"] = countersigned.value
        executed = next_status(countersigned, "execute")
        collab = await engine.fetch("SELECT status FROM collaboration WHERE id = $1 FOR UPDATE", row["collaboration"])
        collab_status = (
            status_when_contract_executed(collab[0]["status"])
            if _renewal_of(row) is None
            else CollaborationStatus(collab[0]["status"])
        )
        events = await contract_events(contract_id)
        reference = row["reference"]
        certificate = sealing.Certificate(
            reference=reference,
            title=f"Contract between {row['brand_name']} and {row['creator_name']} for “{row['campaign_name']}”",
            brand_name=row["brand_name"],
            creator_name=row["creator_name"],
            document_sha256=row["document_sha256"],
            consent_version=ESIGN_CONSENT_VERSION,
            consent_sha256=consent_hash(),
            events=events,
            executed_at=now,
        )
        sealed = await asyncio.to_thread(_seal, row["html"], certificate, tools)
        digest = sealing.sha256_hex(sealed)
        key = f"contracts/{row['brand']}/{row['collaboration']}/executed-{row['id']}-{secrets.token_hex(6)}.pdf"
        await tools.storage.put_bytes(key, sealed, "application/pdf")
        await append_event(contract_id, "executed", actor, user_agent=user_agent, data={"executed_sha256": digest})
        await _move(
            actor, row, executed, "contract.executed", executed_at=now, executed_key=key, executed_sha256=digest
        )
        renewal = _renewal_of(row)
        if renewal is not None:
            # A usage-rights renewal: the extension and its fee's payable come into being now; the deal and its
            # agreed terms stay as they are.
            await renewal_amendment_executed(actor, contract_id, renewal.renewal_id, at=now)
            title = f"Amendment executed: {row['campaign_name']}"
            body = "Both sides have signed the usage-rights renewal. Download the executed PDF for your records."
            await _tell_creator(row, "contract.executed", title, body)
            await _tell_brand(row, "contract.executed", title, body)
            return
        await engine.fetch(
            "UPDATE collaboration SET status = $2, updated_at = now() WHERE id = $1",
            row["collaboration"],
            collab_status.value,
        )
        if row["amends"] is not None:
            # An executed amendment: its terms become the collaboration's.
            await engine.fetch(
                "UPDATE collaboration SET agreed_terms = $2::jsonb WHERE id = $1",
                row["collaboration"],
                json.dumps(jsonb(row["terms"])),
            )
        await write_audit_row(
            actor,
            "collaboration.contracted",
            "collaboration",
            int(row["collaboration"]),
            brand_id=int(row["brand"]),
            before={"status": collab[0]["status"]},
            after={"status": collab_status.value, "contract": contract_id},
        )
        # The signing milestone: its payable is created in this transaction (none for an amendment's re-signing).
        await record_milestone(actor, int(row["collaboration"]), "signing", at=now)
        title = f"Contract executed: {row['campaign_name']}"
        body = "Both sides have signed. Download the executed PDF for your records."
        await _tell_creator(row, "contract.executed", title, body)
        await _tell_brand(row, "contract.executed", title, body)


def _seal(body_html: str, certificate: sealing.Certificate, tools: ContractTools) -> bytes:
    pdf = sealing.executed_pdf(body_html, certificate.title, certificate)
    return sealing.seal_pdf(
        pdf, tools.seal_key, reason=f"Executed contract {certificate.reference}", tsa_url=tools.tsa_url
    )


async def do_decline_contract(
    actor: Actor, creator_id: int, *, contract_id: int, reason: str, user_agent: str = ""
) -> None:
    async with atomic():
        row = await _locked_for_creator(contract_id, creator_id)
        new = next_status(row["status"], "decline")
        why = clean_reason(reason)
        await append_event(contract_id, "declined", actor, user_agent=user_agent, data={"reason": why})
        await _move(actor, row, new, "contract.declined", reason=why)
        if (renewal := _renewal_of(row)) is not None:
            await renewal_amendment_failed(actor, contract_id, renewal.renewal_id, declined=True, reason=why)
        await _tell_brand(row, "contract.declined", f"{row['creator_name']} declined the contract", why)


async def do_void_contract(
    actor: Actor, side: BrandSide, *, contract_id: int, reason: str, user_agent: str = ""
) -> None:
    async with atomic():
        row = await _locked_for_brand(contract_id, side)
        new = next_status(row["status"], "void")
        why = clean_reason(reason)
        await append_event(contract_id, "voided", actor, user_agent=user_agent, data={"reason": why})
        await _move(actor, row, new, "contract.voided", reason=why)
        if (renewal := _renewal_of(row)) is not None:
            await renewal_amendment_failed(actor, contract_id, renewal.renewal_id, declined=False, reason=why)
        if row["status"] != Status.DRAFT:
            await _tell_creator(row, "contract.voided", f"{row['brand_name']} voided the contract", why)


async def expire_contracts(now: dt.datetime | None = None) -> int:
    """Sent contracts past their expiry date become expired (a periodic job)."""
    moment = now or _now()
    ids = await get_engine().fetch(
        "SELECT id FROM contract WHERE status = 'sent' AND expires_at <= $1 ORDER BY id", moment
    )
    actor = system_actor("contract expiry")
    for item in ids:
        async with atomic():
            rows = await get_engine().fetch(_LOCK, item["id"])
            row = dict(rows[0])
            if row["status"] != Status.SENT or row["expires_at"] > moment:
                continue
            await append_event(int(row["id"]), "expired", actor)
            await _move(actor, row, Status.EXPIRED, "contract.expired")
            if (renewal := _renewal_of(row)) is not None:
                await renewal_amendment_failed(
                    actor, int(row["id"]), renewal.renewal_id, declined=False, reason="it expired unsigned"
                )
            await _tell_brand(row, "contract.expired", f"The contract for {row['campaign_name']} expired unsigned", "")
    return len(ids)


async def remind_signers(now: dt.datetime | None = None) -> int:
    """Remind creators of contracts unsigned after 3 days, and again on the day before expiry."""
    moment = now or _now()
    rows = await get_engine().fetch(
        """
        SELECT id FROM contract
        WHERE status = 'sent' AND expires_at > $1
          AND ((reminded_at IS NULL AND sent_at <= $1 - $2::interval)
               OR (expires_at <= $1 + $3::interval
                   AND (reminded_at IS NULL OR reminded_at < expires_at - $3::interval)))
        ORDER BY id
        """,
        moment,
        REMIND_AFTER,
        REMIND_BEFORE_EXPIRY,
    )
    actor = system_actor("contract reminders")
    for item in rows:
        async with atomic():
            locked = dict((await get_engine().fetch(_LOCK, item["id"]))[0])
            await get_engine().fetch("UPDATE contract SET reminded_at = $2 WHERE id = $1", item["id"], moment)
            await append_event(int(item["id"]), "reminded", actor)
            await notify(
                Recipient("creator", int(locked["creator"]), locked["creator_email"] or ""),
                kind="contract.reminder",
                title=f"Reminder: {locked['brand_name']} is waiting for your signature",
                body=f"The contract for “{locked['campaign_name']}” expires on {format_day(locked['expires_at'])}.",
                link=creator_contract_link(int(item["id"])),
                event_key=f"contract.reminder:{item['id']}:{moment:%Y%m%d}",
                brand_id=int(locked["brand"]),
            )
    return len(rows)


def contract_tools(settings: Settings, storage: Storage) -> ContractTools:
    """The deployment's storage and seal (a generated self-signed pair under ./var when none is configured)."""
    key = sealing.seal_key_from(settings.contract_signing_key, settings.contract_signing_cert)
    return ContractTools(storage, key, settings.contract_tsa_url)
