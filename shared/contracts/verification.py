"""/verify: is this exact file a contract executed through this deployment? Public, so it says nothing private."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from shared.contracts.evidence import verify_chain
from shared.contracts.queries import executed_by_sha256

MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Verdict:
    verified: bool
    message: str
    sha256: str = ""
    reference: str = ""
    brand_name: str = ""
    creator_name: str = ""
    signed_at: dt.datetime | None = None
    countersigned_at: dt.datetime | None = None
    executed_at: dt.datetime | None = None
    chain_intact: bool = False


async def verify_pdf(data: bytes) -> Verdict:
    """Matched by the SHA-256 of executed PDFs: one changed byte is "not verified"."""
    if not data:
        return Verdict(False, "That file is empty. Choose the contract's PDF.")
    if len(data) > MAX_BYTES:
        return Verdict(False, "That file is over 20 MB: no contract from here is that large.")
    if not data.startswith(b"%PDF-"):
        return Verdict(False, "That file is not a PDF. Choose the contract's PDF.")
    digest = hashlib.sha256(data).hexdigest()
    contract = await executed_by_sha256(digest)
    if contract is None:
        return Verdict(
            False,
            "Not verified: this exact file is not a contract executed through this site. "
            "A copy changed in any way, even by one byte, does not verify.",
            sha256=digest,
        )
    chain = await verify_chain(contract.id)
    return Verdict(
        True,
        "Verified: this file is a contract executed through this site, unchanged.",
        sha256=digest,
        reference=contract.reference,
        brand_name=contract.brand_name,
        creator_name=contract.creator_name,
        signed_at=contract.signed_at,
        countersigned_at=contract.countersigned_at,
        executed_at=contract.executed_at,
        chain_intact=chain.intact,
    )
