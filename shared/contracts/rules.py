"""Contract rules: the signature state machine, who may do what, the ESIGN consent, fresh sign-ins.

DESIGN.md: draft → sent → signed by the creator → countersigned → executed, or declined (creator,
with a reason), voided (brand, with a reason, before execution), expired (unsigned after the
template's N days). Pure functions only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum
from typing import Literal

from shared.errors import IllegalTransition, InvalidInput
from shared.identity.rules import Role


class Status(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    SIGNED = "signed"  # by the creator
    COUNTERSIGNED = "countersigned"  # by the brand; executed follows in the same action
    EXECUTED = "executed"
    DECLINED = "declined"
    VOIDED = "voided"
    EXPIRED = "expired"


STATUS_LABELS = {
    Status.DRAFT: "Draft",
    Status.SENT: "Awaiting the creator's signature",
    Status.SIGNED: "Awaiting countersignature",
    Status.COUNTERSIGNED: "Countersigned",
    Status.EXECUTED: "Executed",
    Status.DECLINED: "Declined",
    Status.VOIDED: "Voided",
    Status.EXPIRED: "Expired",
}

FINISHED = frozenset({Status.EXECUTED, Status.DECLINED, Status.VOIDED, Status.EXPIRED})
# A contract that still binds or may come to bind: only one per collaboration at a time.
LIVE = frozenset({Status.DRAFT, Status.SENT, Status.SIGNED, Status.COUNTERSIGNED})

Verb = Literal["send", "sign", "countersign", "execute", "decline", "void", "expire"]

TRANSITIONS: dict[Verb, dict[Status, Status]] = {
    "send": {Status.DRAFT: Status.SENT},
    "sign": {Status.SENT: Status.SIGNED},
    "countersign": {Status.SIGNED: Status.COUNTERSIGNED},
    "execute": {Status.COUNTERSIGNED: Status.EXECUTED},
    "decline": {Status.SENT: Status.DECLINED},
    "void": {s: Status.VOIDED for s in (Status.DRAFT, Status.SENT, Status.SIGNED)},
    "expire": {Status.SENT: Status.EXPIRED},
}

_WHY_NOT = {
    Status.DRAFT: "it has not been sent yet",
    Status.SENT: "it is waiting for the creator's signature",
    Status.SIGNED: "the creator has signed it and it waits for the brand's countersignature",
    Status.COUNTERSIGNED: "it is countersigned",
    Status.EXECUTED: "it is executed",
    Status.DECLINED: "the creator declined it",
    Status.VOIDED: "the brand voided it",
    Status.EXPIRED: "it expired unsigned",
}
_VERB_TEXT = {
    "send": "send this contract",
    "sign": "sign this contract",
    "countersign": "countersign this contract",
    "execute": "execute this contract",
    "decline": "decline this contract",
    "void": "void this contract",
    "expire": "expire this contract",
}


def next_status(current: str, verb: Verb) -> Status:
    """The status after `verb`; IllegalTransition with a plain reason when the state machine refuses it."""
    status = Status(current)
    moves = TRANSITIONS[verb]
    if status not in moves:
        raise IllegalTransition(f"You can't {_VERB_TEXT[verb]}: {_WHY_NOT[status]}.")
    return moves[status]


def can_manage_contracts(role: Role | None) -> bool:
    """Owners and managers generate, send, countersign and void contracts and edit templates."""
    return role in (Role.OWNER, Role.MANAGER)


def can_read_contracts(role: Role | None) -> bool:
    return role is not None


# --- signing ------------------------------------------------------------------------------------

FRESH_SIGN_IN = dt.timedelta(minutes=15)
LEGAL_NAME_MAX = 200
REASON_MAX = 2000


def sign_in_is_fresh(signed_in_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Signing needs a sign-in from the last 15 minutes (a phone left unlocked is not consent)."""
    return signed_in_at is not None and dt.timedelta(0) <= now - signed_in_at <= FRESH_SIGN_IN


def clean_legal_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput({"legal_name": "Type your full legal name to sign."})
    if len(cleaned) > LEGAL_NAME_MAX:
        raise InvalidInput({"legal_name": f"Keep your name under {LEGAL_NAME_MAX} characters."})
    return cleaned


def clean_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidInput({"reason": "Say why, in a few words."})
    if len(cleaned) > REASON_MAX:
        raise InvalidInput({"reason": f"Keep it under {REASON_MAX} characters."})
    return cleaned


# The ESIGN Act (15 U.S.C. 7001(c)) consent: shown before signing; its version and hash are recorded
# with every signature. Change the text → bump the version.
ESIGN_CONSENT_VERSION = "2026-11-1"
ESIGN_CONSENT_TEXT = """\
Consent to electronic records and signatures (version 2026-11-1)

By ticking the box below you agree to receive this contract and any notices about it electronically, \
and to sign it electronically. Your electronic signature has the same effect as a handwritten one.

- Paper copy: you may ask the brand for a paper copy of the contract at any time, free of charge, \
by writing to them through Rapport messages.
- Withdrawing consent: you may withdraw this consent at any time before you sign by declining the \
contract or writing to the brand; after signing, withdrawal does not undo the signature.
- What you need: a device with a current web browser to read the contract, and a PDF reader to \
open and keep the signed copy. You can download the PDF from this page and from your contracts list.
"""


def consent_hash(text: str = ESIGN_CONSENT_TEXT) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
