"""Signing: the creator's e-signature, and the brand's countersignature (TOTP) that executes and seals the
contract."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.rules import Status as CollaborationStatus
from shared.collaborations.rules import status_when_contract_executed
from shared.contracts import sealing
from shared.contracts.actions.common import (
    BrandSide,
    ContractTools,
    _locked_for_brand,
    _locked_for_creator,
    _move,
    _now,
    _renewal_of,
    _tell_brand,
    _tell_creator,
)
from shared.contracts.evidence import append_event, contract_events
from shared.contracts.rules import ESIGN_CONSENT_VERSION, clean_legal_name, consent_hash, next_status, sign_in_is_fresh
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, PermissionDenied
from shared.identity import throttle, totp
from shared.identity.rules import ACCOUNT_THRESHOLD
from shared.identity.throttle import TooManyAttempts
from shared.payments.actions.milestones import record_milestone
from shared.rights.amendments import renewal_amendment_executed


class FreshSignInRequired(PermissionDenied):
    """Signing needs a sign-in from the last 15 minutes: send the creator to their provider again."""


class SecondFactorRequired(PermissionDenied):
    """Countersigning needs TOTP, and this staff member has not set it up."""


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
