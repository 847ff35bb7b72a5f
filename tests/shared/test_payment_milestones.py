"""Payables appear with their milestone, inside the action that reached it: the contract executed (signing),
the last deliverable's draft approved (approval), the last live URL accepted (go-live)."""

from __future__ import annotations

import httpx
import pyotp

from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.content.actions import check_submit_live
from shared.content.review import check_decide
from shared.contracts.actions import ContractTools, do_countersign_contract
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from shared.integrations.storage_local import LocalStorage
from shared.settings import Settings
from tests.conftest import Cast
from tests.contract_helpers import brand_side, enable_totp, sent, sign, tools_in
from tests.factories import offer_form, published_campaign
from tests.payment_helpers import ACTOR
from tests.review_helpers import deliverables_of, submitted_draft


async def _payables() -> list[tuple[str, int, str]]:
    rows = await get_engine().fetch("SELECT milestone, amount_minor, status FROM payable ORDER BY id")
    return [(r["milestone"], int(r["amount_minor"]), r["status"]) for r in rows]


async def test_executing_the_contract_creates_the_signing_payable(cast: Cast, settings: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tools: ContractTools = tools_in(tmp_path)
    encryptor = Encryptor(settings.secret_key)
    made = await sent(cast, tools)
    await sign(cast, made.contract_id)
    assert await _payables() == []
    secret = await enable_totp(encryptor, cast.olivia_id)
    await do_countersign_contract(ACTOR, await brand_side(cast.olivia_id, cast.acme_id), tools, encryptor,
                                  contract_id=made.contract_id, code=pyotp.TOTP(secret).now())  # fmt: skip
    # 50% of the US$1,200.00 fee on signing.
    assert await _payables() == [("signing", 60000, "pending_approval")]
    notes = await get_engine().fetch("SELECT title FROM notification WHERE kind = 'payable.pending_approval'")
    assert len(notes) == 1


async def test_the_last_approved_draft_and_the_last_live_url_create_their_payables(
    cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage
) -> None:
    campaign = await published_campaign(cast)
    form = {**offer_form("1000", deliverables=2), "pay_signing": "0", "pay_approval": "40", "pay_go_live": "60"}
    bob = await get_staff_context(cast.bob_id)
    [collaboration_id] = await check_send_offers(
        ACTOR, bob, brand_id=cast.acme_id, campaign_id=campaign, creator_ids=[cast.alice_id], form=form
    )
    await do_accept_offer(ACTOR, CreatorSide(cast.alice_id), collaboration_id=collaboration_id)
    first, second = await deliverables_of(collaboration_id)
    olivia = await get_staff_context(cast.olivia_id)
    for deliverable_id in (first, second):
        draft_id = await submitted_draft(client, local_storage, cast.alice_id, deliverable_id)
        await check_decide(ACTOR, olivia, cast.acme_id, draft_id, decision="approved", note="")
        if deliverable_id == first:
            assert await _payables() == []  # one deliverable still waits
    assert await _payables() == [("approval", 40000, "pending_approval")]
    await check_submit_live(ACTOR, cast.alice_id, first, urls=["https://www.instagram.com/p/abc/"])
    assert len(await _payables()) == 1
    await check_submit_live(ACTOR, cast.alice_id, second, urls=["https://www.instagram.com/stories/alice/1/"])
    assert await _payables() == [("approval", 40000, "pending_approval"), ("go_live", 60000, "pending_approval")]
