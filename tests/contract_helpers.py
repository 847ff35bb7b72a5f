"""Helpers for contract tests: tools on a temp directory, TOTP for a staff member, a contract at a given step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyotp

from shared.audit.context import Actor, system_actor
from shared.contracts.actions import (
    BrandSide,
    ContractTools,
    do_generate_contract,
    do_send_contract,
    do_sign_contract,
)
from shared.contracts.rules import consent_hash
from shared.contracts.sealing import generated_seal_key
from shared.crypto import Encryptor
from shared.identity.actions import check_totp_enrolment, do_start_totp_enrolment
from shared.identity.queries import get_staff_context
from shared.integrations.storage_local import LocalStorage
from tests.conftest import Cast
from tests.factories import agreed_deal

ACTOR = system_actor("test")
SEAL_DIR = Path(__file__).parent.parent / "var" / "test-contract-seal"


def tools_in(folder: Path, secret_key: str = "k" * 40) -> ContractTools:
    return ContractTools(LocalStorage(folder / "storage", secret_key, "http://127.0.0.1"), generated_seal_key(SEAL_DIR))


async def brand_side(staff_id: int, brand_id: int) -> BrandSide:
    return BrandSide(await get_staff_context(staff_id), brand_id)


async def enable_totp(encryptor: Encryptor, staff_id: int) -> str:
    """Set up TOTP the way a person does (start, confirm with a code); returns the secret."""
    setup = await do_start_totp_enrolment(ACTOR, encryptor, staff_id=staff_id)
    await check_totp_enrolment(ACTOR, encryptor, staff_id=staff_id, code=pyotp.TOTP(setup.secret).now())
    return setup.secret


def creator_actor(creator_id: int) -> Actor:
    return Actor("creator", creator_id, "alice@creators.test", "203.0.113.7")


@dataclass(frozen=True)
class Generated:
    collaboration_id: int
    contract_id: int


async def generated(cast: Cast, tools: ContractTools, creator_id: int | None = None) -> Generated:
    deal = await agreed_deal(cast, creator_id)
    side = await brand_side(cast.bob_id, cast.acme_id)
    contract_id = await do_generate_contract(ACTOR, side, tools, collaboration_id=deal.collaboration_id)
    return Generated(deal.collaboration_id, contract_id)


async def sent(cast: Cast, tools: ContractTools, creator_id: int | None = None) -> Generated:
    made = await generated(cast, tools, creator_id)
    await do_send_contract(ACTOR, await brand_side(cast.bob_id, cast.acme_id), contract_id=made.contract_id)
    return made


async def sign(cast: Cast, contract_id: int, creator_id: int | None = None, **overrides: object) -> None:
    options: dict[str, object] = {
        "legal_name": "Alice M. Rivera",
        "consent": True,
        "consent_sha256": consent_hash(),
        "intent": True,
        "signed_in_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2),
        "identity": "instagram:alice.outdoors",
        "user_agent": "Mozilla/5.0 (iPhone)",
    }
    options.update(overrides)
    signer = creator_id or cast.alice_id
    await do_sign_contract(creator_actor(signer), signer, contract_id=contract_id, **options)  # type: ignore[arg-type]
