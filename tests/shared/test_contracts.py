"""Contracts end to end in the domain: every transition and refusal, the evidence chain, the sealed PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import asyncpg
import pyotp
import pytest
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from shared.contracts.actions import (
    FreshSignInRequired,
    SecondFactorRequired,
    do_countersign_contract,
    do_decline_contract,
    do_generate_contract,
    do_record_view,
    do_save_template,
    do_send_contract,
    do_void_contract,
    expire_contracts,
    remind_signers,
)
from shared.contracts.documents import DEFAULT_TEMPLATE, check_template
from shared.contracts.evidence import contract_events, verify_chain
from shared.contracts.queries import executed_by_sha256, get_contract, list_brand_contracts
from shared.contracts.sealing import sha256_hex
from shared.creators.actions import do_delete_creator_account, do_export_creator_data
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.throttle import TooManyAttempts
from shared.settings import Settings
from tests.conftest import Cast
from tests.contract_helpers import (
    ACTOR,
    brand_side,
    creator_actor,
    enable_totp,
    generated,
    sent,
    sign,
    tools_in,
)
from tests.factories import agreed_deal, offer_to


@pytest.fixture
def tools(tmp_path: Path):  # type: ignore[no-untyped-def]
    return tools_in(tmp_path)


@pytest.fixture
def encryptor(settings: Settings) -> Encryptor:
    return Encryptor(settings.secret_key)


async def _kinds(contract_id: int) -> list[str]:
    return [e.kind for e in await contract_events(contract_id)]


async def _audit_actions(contract_id: int) -> list[str]:
    rows = await get_engine().fetch(
        "SELECT action FROM audit_log WHERE subject_type = 'contract' AND subject_id = $1 ORDER BY id", str(contract_id)
    )
    return [r["action"] for r in rows]


async def test_generating_renders_the_agreed_terms_to_a_stored_pdf(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await generated(cast, tools)
    contract = await get_contract(made.contract_id)
    assert contract is not None and contract.status == "draft"
    assert contract.reference == f"RC-{made.collaboration_id}-1"
    assert "Influencer Services Agreement" in contract.html and "Alice Rivera" in contract.html
    assert "16 CFR Part 255" in contract.html and "the State of New York, USA" in contract.html
    pdf = await tools.storage.get_bytes(contract.document_key)
    assert pdf.startswith(b"%PDF") and sha256_hex(pdf) == contract.document_sha256
    assert await _kinds(made.contract_id) == ["created"]
    assert await _audit_actions(made.contract_id) == ["contract.generated"]
    assert [c.id for c in await list_brand_contracts(cast.acme_id, status="draft")] == [made.contract_id]


async def test_generating_is_refused_before_acceptance_to_non_managers_and_twice(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    open_offer = await offer_to(cast, cast.alice_id)
    bob = await brand_side(cast.bob_id, cast.acme_id)
    with pytest.raises(IllegalTransition, match="accepted offer"):
        await do_generate_contract(ACTOR, bob, tools, collaboration_id=open_offer.collaboration_id)
    deal = await agreed_deal(cast)
    for staff_id in (cast.vic_id, cast.fran_id):
        with pytest.raises(PermissionDenied):
            await do_generate_contract(
                ACTOR, await brand_side(staff_id, cast.acme_id), tools, collaboration_id=deal.collaboration_id
            )
    with pytest.raises(NotFound):
        await do_generate_contract(
            ACTOR, await brand_side(cast.charlie_id, cast.globex_id), tools, collaboration_id=deal.collaboration_id
        )
    await do_generate_contract(ACTOR, bob, tools, collaboration_id=deal.collaboration_id)
    with pytest.raises(IllegalTransition, match="in progress"):
        await do_generate_contract(ACTOR, bob, tools, collaboration_id=deal.collaboration_id)


async def test_sending_notifies_the_creator_and_sets_the_expiry(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    contract = await get_contract(made.contract_id)
    assert contract is not None and contract.status == "sent" and contract.expires_at is not None
    assert dt.timedelta(days=13) < contract.expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(days=14)
    notes = await get_engine().fetch(
        "SELECT kind, link FROM notification WHERE recipient_kind = 'creator' AND recipient_id = $1 AND kind = $2",
        cast.alice_id,
        "contract.sent",
    )
    assert [n["link"] for n in notes] == [f"/contracts/{made.contract_id}"]
    with pytest.raises(IllegalTransition, match="can't send"):
        await do_send_contract(ACTOR, await brand_side(cast.bob_id, cast.acme_id), contract_id=made.contract_id)


async def test_a_creator_cannot_see_a_draft(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await generated(cast, tools)
    with pytest.raises(NotFound):
        await sign(cast, made.contract_id)


async def test_signing_records_consent_and_identity_and_only_once(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    await do_record_view(creator_actor(cast.alice_id), cast.alice_id, contract_id=made.contract_id, user_agent="UA")
    await do_record_view(creator_actor(cast.alice_id), cast.alice_id, contract_id=made.contract_id, user_agent="UA")
    await sign(cast, made.contract_id)
    contract = await get_contract(made.contract_id)
    assert contract is not None and contract.status == "signed" and contract.signer_name == "Alice M. Rivera"
    events = await contract_events(made.contract_id)
    assert [e.kind for e in events] == ["created", "sent", "viewed", "consented", "signed"]
    signed = events[-1]
    assert signed.ip == "203.0.113.7" and signed.user_agent == "Mozilla/5.0 (iPhone)"
    assert signed.data["identity"] == "instagram:alice.outdoors"
    assert signed.data["document_sha256"] == contract.document_sha256
    assert len(events[-2].data["consent_sha256"]) == 64
    with pytest.raises(IllegalTransition, match="can't sign"):
        await sign(cast, made.contract_id)


async def test_signing_refusals(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(FreshSignInRequired):
        await sign(cast, made.contract_id, signed_in_at=now - dt.timedelta(minutes=16))
    with pytest.raises(FreshSignInRequired):
        await sign(cast, made.contract_id, signed_in_at=None)
    with pytest.raises(InvalidInput) as refused:
        await sign(cast, made.contract_id, intent=False, consent=False, legal_name="  ")
    assert set(refused.value.errors) == {"intent", "consent", "legal_name"}
    with pytest.raises(InvalidInput):
        await sign(cast, made.contract_id, consent_sha256="0" * 64)  # consented to another text
    # The wrong creator: another creator's account cannot even find it.
    from shared.contracts.actions import do_sign_contract
    from shared.contracts.rules import consent_hash

    with pytest.raises(NotFound):
        await do_sign_contract(
            creator_actor(999),
            999,
            contract_id=made.contract_id,
            legal_name="Mallory",
            consent=True,
            consent_sha256=consent_hash(),
            intent=True,
            signed_in_at=now,
            identity="x",
        )
    assert await _kinds(made.contract_id) == ["created", "sent"]


async def test_a_voided_contract_cannot_be_signed(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    bob = await brand_side(cast.bob_id, cast.acme_id)
    with pytest.raises(InvalidInput):
        await do_void_contract(ACTOR, bob, contract_id=made.contract_id, reason=" ")
    with pytest.raises(PermissionDenied):
        await do_void_contract(
            ACTOR, await brand_side(cast.vic_id, cast.acme_id), contract_id=made.contract_id, reason="x"
        )
    await do_void_contract(ACTOR, bob, contract_id=made.contract_id, reason="Wrong dates")
    with pytest.raises(IllegalTransition, match="voided"):
        await sign(cast, made.contract_id)
    # A new contract may be generated once the old one is void.
    assert await do_generate_contract(ACTOR, bob, tools, collaboration_id=made.collaboration_id)


async def test_an_expired_contract_cannot_be_signed(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    assert await expire_contracts(dt.datetime.now(dt.UTC) + dt.timedelta(days=13)) == 0
    assert await expire_contracts(dt.datetime.now(dt.UTC) + dt.timedelta(days=15)) == 1
    contract = await get_contract(made.contract_id)
    assert contract is not None and contract.status == "expired"
    with pytest.raises(IllegalTransition, match="expired"):
        await sign(cast, made.contract_id)


async def test_declining_needs_a_reason(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    alice = creator_actor(cast.alice_id)
    with pytest.raises(InvalidInput):
        await do_decline_contract(alice, cast.alice_id, contract_id=made.contract_id, reason="")
    await do_decline_contract(alice, cast.alice_id, contract_id=made.contract_id, reason="The fee is wrong")
    contract = await get_contract(made.contract_id)
    assert contract is not None and contract.status == "declined" and contract.reason == "The fee is wrong"
    with pytest.raises(IllegalTransition):
        await sign(cast, made.contract_id)


async def test_countersigning_needs_totp_and_a_manager(cast: Cast, tools, encryptor: Encryptor) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    olivia = await brand_side(cast.olivia_id, cast.acme_id)
    with pytest.raises(IllegalTransition, match="can't countersign"):
        await do_countersign_contract(ACTOR, olivia, tools, encryptor, contract_id=made.contract_id, code="000000")
    await sign(cast, made.contract_id)
    with pytest.raises(SecondFactorRequired):
        await do_countersign_contract(ACTOR, olivia, tools, encryptor, contract_id=made.contract_id, code="000000")
    secret = await enable_totp(encryptor, cast.olivia_id)
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    with pytest.raises(InvalidInput):
        await do_countersign_contract(ACTOR, olivia, tools, encryptor, contract_id=made.contract_id, code=wrong)
    with pytest.raises(PermissionDenied):
        await do_countersign_contract(
            ACTOR, await brand_side(cast.vic_id, cast.acme_id), tools, encryptor, contract_id=made.contract_id, code=""
        )
    # Guessing is throttled (shared with the sign-in's second step): after five wrong codes, even the right one waits.
    for _ in range(4):
        with pytest.raises(InvalidInput):
            await do_countersign_contract(ACTOR, olivia, tools, encryptor, contract_id=made.contract_id, code=wrong)
    with pytest.raises(TooManyAttempts):
        await do_countersign_contract(
            ACTOR, olivia, tools, encryptor, contract_id=made.contract_id, code=pyotp.TOTP(secret).now()
        )
    contract = await get_contract(made.contract_id)
    assert contract is not None and contract.status == "signed"


async def _executed(cast: Cast, tools, encryptor: Encryptor) -> int:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    await sign(cast, made.contract_id)
    secret = await enable_totp(encryptor, cast.olivia_id)
    olivia = await brand_side(cast.olivia_id, cast.acme_id)
    await do_countersign_contract(
        ACTOR, olivia, tools, encryptor, contract_id=made.contract_id, code=pyotp.TOTP(secret).now(), user_agent="UA"
    )
    return made.contract_id


async def test_countersigning_executes_seals_and_contracts_the_collaboration(cast: Cast, tools, encryptor) -> None:  # type: ignore[no-untyped-def]
    contract_id = await _executed(cast, tools, encryptor)
    contract = await get_contract(contract_id)
    assert contract is not None and contract.status == "executed" and contract.countersigner_name == "Olivia Owner"
    status = await get_engine().fetch("SELECT status FROM collaboration WHERE id = $1", contract.collaboration_id)
    assert status[0]["status"] == "contracted"
    assert (await _kinds(contract_id))[-2:] == ["countersigned", "executed"]
    assert (await verify_chain(contract_id)).intact
    assert "contract.executed" in await _audit_actions(contract_id)
    sealed = await tools.storage.get_bytes(contract.executed_key)
    assert sha256_hex(sealed) == contract.executed_sha256
    found = await executed_by_sha256(contract.executed_sha256)
    assert found is not None and found.id == contract_id
    # The seal validates with pyHanko: intact, trusted (our certificate), covering the whole file.
    context = ValidationContext(trust_roots=list(load_certs_from_pemder_data(tools.seal_key.cert_pem)))
    [signature] = PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    report = await async_validate_pdf_signature(signature, context)
    assert report.intact and report.valid and report.trusted
    assert report.coverage == SignatureCoverageLevel.ENTIRE_FILE
    # One byte changed inside the signed range: the seal no longer holds, and /verify's lookup misses it.
    tampered = bytearray(sealed)
    tampered[len(sealed) // 3] ^= 0x01
    [signature] = PdfFileReader(io.BytesIO(bytes(tampered)), strict=False).embedded_signatures
    assert not (await async_validate_pdf_signature(signature, context)).intact
    assert await executed_by_sha256(sha256_hex(bytes(tampered))) is None
    # The creator's data export carries the contract and her own signature events; deleting her account keeps it.
    archive = zipfile.ZipFile(io.BytesIO(await do_export_creator_data(ACTOR, cast.alice_id)))
    [exported] = json.loads(archive.read("contracts.json"))
    assert exported["executed_sha256"] == contract.executed_sha256
    assert [e["kind"] for e in exported["events"]] == ["consented", "signed"]
    await do_delete_creator_account(ACTOR, cast.alice_id)
    kept = await get_contract(contract_id)
    assert kept is not None and kept.status == "executed" and (await verify_chain(contract_id)).intact
    # Executed: it can no longer be voided.
    with pytest.raises(IllegalTransition, match="executed"):
        await do_void_contract(
            ACTOR, await brand_side(cast.bob_id, cast.acme_id), contract_id=contract_id, reason="Changed my mind"
        )


async def test_an_amendment_goes_through_the_same_signatures_and_then_changes_the_terms(  # type: ignore[no-untyped-def]
    cast: Cast, tools, encryptor: Encryptor
) -> None:
    first = await _executed(cast, tools, encryptor)
    contract = await get_contract(first)
    assert contract is not None
    bob = await brand_side(cast.bob_id, cast.acme_id)
    new_terms = contract.terms.to_json() | {"fee_minor": contract.terms.fee_minor + 50000, "payments": []}
    amendment = await do_generate_contract(
        ACTOR, bob, tools, collaboration_id=contract.collaboration_id, terms_json=new_terms
    )
    draft = await get_contract(amendment)
    assert draft is not None and draft.amends == first and "amends and restates agreement" in draft.html
    before = await get_engine().fetch("SELECT agreed_terms FROM collaboration WHERE id = $1", contract.collaboration_id)
    await do_send_contract(ACTOR, bob, contract_id=amendment)
    await sign(cast, amendment)
    unchanged = await get_engine().fetch(
        "SELECT agreed_terms FROM collaboration WHERE id = $1", contract.collaboration_id
    )
    assert unchanged == before  # the terms change only once the amendment is executed
    secret_rows = await get_engine().fetch("SELECT totp_secret_enc FROM staff_user WHERE id = $1", cast.olivia_id)
    secret = encryptor.decrypt(secret_rows[0]["totp_secret_enc"])
    assert secret is not None
    olivia = await brand_side(cast.olivia_id, cast.acme_id)
    await do_countersign_contract(ACTOR, olivia, tools, encryptor, contract_id=amendment, code=pyotp.TOTP(secret).now())
    after = await get_engine().fetch(
        "SELECT status, agreed_terms FROM collaboration WHERE id = $1", contract.collaboration_id
    )
    assert after[0]["status"] == "contracted"
    assert json.loads(after[0]["agreed_terms"])["fee_minor"] == contract.terms.fee_minor + 50000


async def test_the_trail_is_append_only_and_tampering_is_detected(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    engine = get_engine()
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await engine.fetch("UPDATE contract_event SET ip = '1.2.3.4' WHERE contract = $1", made.contract_id)
    with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
        await engine.fetch("DELETE FROM contract_event WHERE contract = $1", made.contract_id)
    assert (await verify_chain(made.contract_id)).intact
    await engine.execute_script("ALTER TABLE contract_event DISABLE TRIGGER contract_event_append_only")
    try:
        await engine.fetch("UPDATE contract_event SET ip = '1.2.3.4' WHERE contract = $1 AND seq = 1", made.contract_id)
    finally:
        await engine.execute_script("ALTER TABLE contract_event ENABLE TRIGGER contract_event_append_only")
    check = await verify_chain(made.contract_id)
    assert not check.intact and "event 1" in check.problem


async def test_reminders_after_three_days_and_before_expiry(cast: Cast, tools) -> None:  # type: ignore[no-untyped-def]
    made = await sent(cast, tools)
    now = dt.datetime.now(dt.UTC)
    assert await remind_signers(now + dt.timedelta(days=1)) == 0
    assert await remind_signers(now + dt.timedelta(days=3, hours=1)) == 1
    assert await remind_signers(now + dt.timedelta(days=4)) == 0
    assert await remind_signers(now + dt.timedelta(days=13, hours=12)) == 1
    assert (await _kinds(made.contract_id)).count("reminded") == 2


def test_templates_refuse_unknown_fields_and_parse_errors_naming_the_line() -> None:
    check_template(DEFAULT_TEMPLATE)
    with pytest.raises(InvalidInput, match=r"Line 3: unknown merge field “creator\.email”"):
        check_template("<p>\n\n{{ creator.email }}</p>")
    with pytest.raises(InvalidInput, match="Line 2: unknown merge field “salary”"):
        check_template("a\n{{ salary }}")
    with pytest.raises(InvalidInput, match=r"“item\.price”"):
        check_template("{% for item in deliverables %}{{ item.price }}{% endfor %}")
    with pytest.raises(InvalidInput, match="Line 2"):
        check_template("ok\n{% if fee %}")
    with pytest.raises(InvalidInput, match="unsafe"):
        check_template("{{ fee.__class__.__mro__ }}")


async def test_saving_a_template_keeps_versions(cast: Cast) -> None:
    bob = await brand_side(cast.bob_id, cast.acme_id)
    template_id = await do_save_template(
        ACTOR,
        bob,
        template_id=None,
        name="Short",
        body="<p>{{ brand.name }}</p>",
        governing_law="England",
        expiry_days=7,
    )
    await do_save_template(
        ACTOR,
        bob,
        template_id=template_id,
        name="Short",
        body="<p>{{ creator.name }}</p>",
        governing_law="England",
        expiry_days=7,
    )
    versions = await get_engine().fetch(
        "SELECT number FROM contract_template_version WHERE template = $1 ORDER BY number", template_id
    )
    assert [v["number"] for v in versions] == [1, 2]
    with pytest.raises(InvalidInput) as refused:
        await do_save_template(
            ACTOR, bob, template_id=template_id, name="", body="{{ nope }}", governing_law="", expiry_days=0
        )
    assert set(refused.value.errors) == {"name", "governing_law", "expiry_days", "body"}
    with pytest.raises(PermissionDenied):
        await do_save_template(
            ACTOR,
            await brand_side(cast.vic_id, cast.acme_id),
            template_id=None,
            name="x",
            body="",
            governing_law="x",
            expiry_days=7,
        )


async def test_the_demo_has_templates_and_a_contract_waiting_for_diego(tools) -> None:  # type: ignore[no-untyped-def]
    from shared.demo import seed_demo_data

    await seed_demo_data(contract_tools=tools)
    await seed_demo_data(contract_tools=tools)  # idempotent
    templates = await get_engine().fetch(
        "SELECT b.slug FROM contract_template t JOIN brand b ON b.id = t.brand ORDER BY b.slug"
    )
    assert [t["slug"] for t in templates] == ["acme", "globex"]
    rows = await get_engine().fetch(
        "SELECT t.status FROM contract t JOIN creator c ON c.id = t.creator WHERE c.email = 'diego@creators.test'"
    )
    assert [r["status"] for r in rows] == ["sent"]
