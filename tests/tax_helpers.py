"""Tax forms and paid payables for the tax tests, through the real actions."""

from __future__ import annotations

from shared.audit.context import Actor
from shared.payments.actions import do_record_manual_payout
from shared.tax.actions import do_submit_tax_profile
from shared.tax.rules import certification_hash, tin_encryptor
from tests.conftest import Cast
from tests.payment_helpers import ACTOR, approved, signing_payable, staff

# An SSN in the valid ranges whose digits appear nowhere else in the app's pages or logs.
SSN = "524-71-3986"
SSN_DIGITS = "524713986"
FOREIGN_TIN = "QX 88 41 27 Z"

W9 = {
    "legal_name": "Alice Walker",
    "business_name": "Alice Outdoors LLC",
    "classification": "individual",
    "address_line1": "1 Trail Rd",
    "address_line2": "Unit 4",
    "city": "Boulder",
    "region": "CO",
    "postal_code": "80302",
    "tin_kind": "ssn",
    "tin": SSN,
    "signed_name": "Alice Walker",
    "certify": "yes",
    "certification_sha256": certification_hash("w9"),
}
W8BEN = {
    "legal_name": "Noor Haddad",
    "citizenship": "GB",
    "address_line1": "10 Canal Street",
    "city": "Manchester",
    "postal_code": "M1 3HE",
    "country": "GB",
    "foreign_tin": FOREIGN_TIN,
    "treaty_country": "GB",
    "treaty_article": "7",
    "treaty_rate": "0",
    "signed_name": "Noor Haddad",
    "certify": "yes",
    "certification_sha256": certification_hash("w8ben"),
}


def creator_actor(creator_id: int) -> Actor:
    return Actor("creator", creator_id, f"creator {creator_id}", "203.0.113.9")


async def file_w9(secret_key: str, creator_id: int, **changes: str) -> int:
    return await do_submit_tax_profile(creator_actor(creator_id), creator_id, tin_encryptor(secret_key), kind="w9",
                                       values={**W9, **changes}, user_agent="pytest")  # fmt: skip


async def file_w8ben(secret_key: str, creator_id: int, **changes: str) -> int:
    return await do_submit_tax_profile(creator_actor(creator_id), creator_id, tin_encryptor(secret_key),
                                       kind="w8ben", values={**W8BEN, **changes}, user_agent="pytest")  # fmt: skip


async def paid_manually(cast: Cast, fee: str = "5000") -> int:
    """Alice's signing payable at Acme (half the fee), approved by Fran and paid by bank transfer by Olivia."""
    payable_id = await signing_payable(cast, fee=fee)
    await approved(cast, payable_id)
    await do_record_manual_payout(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, payable_id=payable_id,
                                  method="bank_transfer", reference=f"BT-{payable_id}")  # fmt: skip
    return payable_id
