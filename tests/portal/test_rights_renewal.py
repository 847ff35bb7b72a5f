"""The renewal flow end to end over HTTP: Bob proposes more months for a fee from the library, Alice counters in the
portal with another date and fee, Bob sees what changed and accepts; the amendment contract (referencing the deal)
is sent to Alice, she signs, Olivia countersigns; only then does the ledger get the extension and the Payouts queue
the fee's payable (once, however often it is submitted). A declined renewal, or a declined amendment, leaves the end
as it was; another creator can't answer it."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
from pathlib import Path

import httpx
import pyotp
import pytest

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.contracts.actions import (
    ContractTools,
    do_countersign_contract,
    do_decline_contract,
    do_void_contract,
    expire_contracts,
)
from shared.contracts.queries import get_contract
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.errors import IllegalTransition
from shared.identity.actions import SocialAccount, do_create_creator
from shared.identity.queries import get_staff_context
from shared.integrations.storage_local import LocalStorage
from shared.rights.queries import standing_entries
from shared.rights.renewals import RenewalSide, check_counter_renewal, check_propose_renewal, do_accept_renewal
from shared.rights.rules import day_text
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from, post_form
from tests.contract_helpers import brand_side, creator_actor, enable_totp, sign, tools_in
from tests.personas import act_as_creator, act_as_staff
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")
LIBRARY = "/backoffice/b/acme/library"


@pytest.fixture
def tools(tmp_path: Path) -> ContractTools:
    return tools_in(tmp_path)


@pytest.fixture
def encryptor(settings: Settings) -> Encryptor:
    return Encryptor(settings.secret_key)


async def _renewal() -> dict[str, object]:
    [row] = await get_engine().fetch("SELECT * FROM rights_renewal")
    return dict(row)


async def _payables() -> list[dict[str, object]]:
    return [
        dict(r) for r in await get_engine().fetch("SELECT * FROM payable WHERE milestone LIKE 'renewal:%' ORDER BY id")
    ]


async def test_propose_counter_accept_sign_countersign_then_the_grant_and_the_payable(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage, tools: ContractTools, encryptor: Encryptor
) -> None:
    reel, _ = await approved_asset(cast, local_storage)
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=["https://www.instagram.com/reel/abc/"])
    [entry] = (await standing_entries([reel]))[reel]
    old_end = entry.grant.ends_on
    await act_as_staff(client, cast.bob_id)
    propose = f"{LIBRARY}/grants/{entry.id}/propose"
    early = await post_form(client, LIBRARY, propose, {"ends_on": old_end.isoformat(), "fee": "400"})
    assert early.status_code == 400 and "The new end must be after the current one" in html.unescape(early.text)
    proposed_end = old_end + dt.timedelta(days=182)
    sent = await post_form(client, LIBRARY, propose, {"ends_on": proposed_end.isoformat(), "fee": "400"})
    assert sent.status_code == 200 and "Renewal proposed" in sent.text
    assert f"Renewal proposed until {day_text(proposed_end)} for US$400.00: waiting for Alice Rivera" in sent.text
    again = await post_form(client, LIBRARY, propose, {"ends_on": proposed_end.isoformat(), "fee": "400"})
    assert again.status_code == 400 and "already waiting" in html.unescape(again.text)
    renewal_id = int((await _renewal())["id"])  # type: ignore[call-overload]

    # Alice counters: three more months and US$600. A counter that changes nothing is refused.
    await act_as_creator(client, cast.alice_id)
    mine = html.unescape((await client.get("/rights")).text)
    assert f"Acme proposes to keep using it until {day_text(proposed_end)}, for US$400.00." in mine
    counter = f"/rights/renewals/{renewal_id}/counter"
    same = await post_form(client, "/rights", counter, {"ends_on": proposed_end.isoformat(), "fee": "400"})
    assert same.status_code == 400 and "Change the last day or the fee" in html.unescape(same.text)
    countered_end = proposed_end + dt.timedelta(days=92)
    countered = await post_form(
        client, "/rights", counter, {"ends_on": countered_end.isoformat(), "fee": "600", "note": "Paid ads cost more"}
    )
    page = html.unescape(countered.text)
    assert "Counter-offer sent" in page
    assert f"You proposed until {day_text(countered_end)}, for US$600.00: waiting for Acme's answer." in page
    twice = await post_form(client, "/rights", counter, {"ends_on": countered_end.isoformat(), "fee": "700"})
    assert "You can't counter this renewal" in html.unescape(twice.text)

    # Bob sees what changed and accepts: the amendment goes to Alice; the old end date still stands.
    await act_as_staff(client, cast.bob_id)
    tile = html.unescape((await client.get(LIBRARY)).text)
    assert f"Alice Rivera countered: until {day_text(countered_end)} for US$600.00." in tile
    assert (
        f"What changed: Until: {day_text(proposed_end)} → {day_text(countered_end)}; Fee: US$400.00 → US$600.00."
        in tile
    )
    accepted = await post_form(client, LIBRARY, f"{LIBRARY}/renewals/{renewal_id}/accept", {})
    assert "Counter-offer accepted" in accepted.text
    renewal = await _renewal()
    assert renewal["status"] == "signing" and renewal["contract"] is not None
    contract_id = int(renewal["contract"])  # type: ignore[call-overload]
    contract = await get_contract(contract_id)
    assert contract is not None and contract.status == "sent" and contract.renewal is not None
    assert (contract.renewal.ends_on, contract.renewal.fee_minor) == (countered_end, 60_000)
    text = " ".join(html.unescape(contract.html).split())
    assert "Usage Rights Extension" in text and f"until <strong>{countered_end:%B} {countered_end.day}" in text
    assert "US$600.00" in text and f"ends on {old_end:%B} {old_end.day}, {old_end.year}" in text
    [standing] = (await standing_entries([reel]))[reel]
    assert standing.id == entry.id and standing.grant.ends_on == old_end
    assert await _payables() == []
    tile = html.unescape((await client.get(LIBRARY)).text)
    assert "waits for Alice Rivera's signature" in tile and f"until {day_text(old_end)}." in tile

    # Alice reads the plain summary of the amendment and signs; Olivia countersigns: now, and only now, it counts.
    await act_as_creator(client, cast.alice_id)
    summary = " ".join(html.unescape((await client.get(f"/contracts/{contract_id}")).text).split())
    assert f"Acme may keep using the reel on Instagram “Reel 1” until {countered_end:%B} {countered_end.day}" in summary
    assert "They pay you US$600.00 for it, once both of you have signed." in summary
    await sign(cast, contract_id)
    assert (await standing_entries([reel]))[reel][0].grant.ends_on == old_end and await _payables() == []
    secret = await enable_totp(encryptor, cast.olivia_id)
    olivia = await brand_side(cast.olivia_id, cast.acme_id)
    code = pyotp.TOTP(secret).now()
    # A double submit of the countersignature: one executes, the other is told it already was.
    results = await asyncio.gather(
        do_countersign_contract(ACTOR, olivia, tools, encryptor, contract_id=contract_id, code=code),
        do_countersign_contract(ACTOR, olivia, tools, encryptor, contract_id=contract_id, code=code),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["IllegalTransition", "NoneType"]
    [standing] = (await standing_entries([reel]))[reel]
    assert (standing.kind, standing.grant.ends_on) == ("extend", countered_end)
    [payable] = await _payables()
    executed_at = (await get_contract(contract_id)).executed_at  # type: ignore[union-attr]
    assert executed_at is not None
    assert (payable["milestone"], payable["amount_minor"], payable["currency"], payable["status"]) == (
        f"renewal:{renewal_id}",
        60_000,
        "USD",
        "pending_approval",
    )
    assert payable["due_on"] == executed_at.date() + dt.timedelta(days=30)
    assert payable["negotiated_by"] == cast.bob_id
    renewal = await _renewal()
    assert (renewal["status"], renewal["payable"], renewal["extension"]) == ("executed", payable["id"], standing.id)

    await act_as_staff(client, cast.bob_id)
    tile = html.unescape((await client.get(LIBRARY)).text)
    assert f"until {day_text(countered_end)}." in tile and "Renewal agreed" not in tile
    queue = html.unescape((await client.get("/backoffice/b/acme/payouts")).text)
    assert "renewing usage rights" in queue and "US$600.00" in queue

    audit = [
        r["action"]
        for r in await get_engine().fetch(
            "SELECT action FROM audit_log WHERE action LIKE 'rights.%' OR subject_type = 'payable' ORDER BY id"
        )
    ]
    assert audit[-6:] == [
        "rights.renewal_proposed",
        "rights.renewal_countered",
        "rights.renewal_accepted",
        "rights.extended",
        "payable.created",
        "rights.renewal_executed",
    ]
    notes = {
        (n["kind"], n["recipient_kind"], n["recipient_id"])
        for n in await get_engine().fetch("SELECT kind, recipient_kind, recipient_id FROM notification")
    }
    assert {
        ("rights.renewal_proposed", "creator", cast.alice_id),
        ("rights.renewal_countered", "staff", cast.bob_id),
        ("contract.sent", "creator", cast.alice_id),
        ("contract.signed", "staff", cast.bob_id),
        ("contract.executed", "creator", cast.alice_id),
        ("rights.renewal_executed", "staff", cast.bob_id),
        ("payable.pending_approval", "creator", cast.alice_id),
    } <= notes


async def test_a_double_submitted_acceptance_sends_one_amendment(
    cast: Cast, local_storage: LocalStorage, tools: ContractTools
) -> None:
    reel, entry_id = await approved_asset(cast, local_storage)
    [entry] = (await standing_entries([reel]))[reel]
    bob = await get_staff_context(cast.bob_id)
    renewal_id = await check_propose_renewal(
        ACTOR, bob, cast.acme_id, entry_id, ends_on=entry.grant.ends_on + dt.timedelta(days=30), fee="250", note=""
    )
    alice = RenewalSide.creator(cast.alice_id)
    results = await asyncio.gather(
        do_accept_renewal(creator_actor(cast.alice_id), alice, tools, renewal_id),
        do_accept_renewal(creator_actor(cast.alice_id), alice, tools, renewal_id),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["IllegalTransition", "int"]
    contracts = await get_engine().fetch("SELECT id, status FROM contract")
    assert [c["status"] for c in contracts] == ["sent"]


async def test_a_declined_amendment_ends_the_renewal_and_changes_nothing(
    cast: Cast, local_storage: LocalStorage, tools: ContractTools
) -> None:
    reel, entry_id = await approved_asset(cast, local_storage)
    [entry] = (await standing_entries([reel]))[reel]
    bob = await get_staff_context(cast.bob_id)
    renewal_id = await check_propose_renewal(
        ACTOR, bob, cast.acme_id, entry_id, ends_on=entry.grant.ends_on + dt.timedelta(days=30), fee="250", note=""
    )
    contract_id = await do_accept_renewal(ACTOR, RenewalSide.creator(cast.alice_id), tools, renewal_id)
    await do_decline_contract(
        creator_actor(cast.alice_id), cast.alice_id, contract_id=contract_id, reason="Changed my mind"
    )
    renewal = await _renewal()
    assert renewal["status"] == "declined"
    [standing] = (await standing_entries([reel]))[reel]
    assert standing.id == entry_id and await _payables() == []
    with pytest.raises(IllegalTransition):
        await check_counter_renewal(
            ACTOR, RenewalSide.brand(bob, cast.acme_id), renewal_id, ends_on=entry.grant.ends_on, fee="1", note=""
        )


async def test_a_declined_renewal_changes_nothing_and_is_only_hers(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    reel, entry_id = await approved_asset(cast, local_storage)
    [entry] = (await standing_entries([reel]))[reel]
    await act_as_staff(client, cast.bob_id)
    new_end = entry.grant.ends_on + dt.timedelta(days=30)
    await post_form(
        client, LIBRARY, f"{LIBRARY}/grants/{entry_id}/propose", {"ends_on": new_end.isoformat(), "fee": "0"}
    )
    renewal_id = (await _renewal())["id"]
    bilal = await do_create_creator(
        ACTOR,
        display_name="Bilal Khan",
        email="bilal@creators.test",
        country="GB",
        niches=["tech"],
        accounts=[SocialAccount("youtube", "yt-bilal", "bilal", 870_000)],
    )
    await act_as_creator(client, int(bilal.id))
    token = csrf_token_from((await client.get("/rights")).text)
    for verb in ("accept", "decline", "counter"):
        stolen = await client.post(
            f"/rights/renewals/{renewal_id}/{verb}",
            data={"_csrf_token": token, "ends_on": (new_end + dt.timedelta(days=9)).isoformat(), "fee": "1"},
        )
        assert stolen.status_code == 404, verb
    await act_as_creator(client, cast.alice_id)
    declined = await post_form(client, "/rights", f"/rights/renewals/{renewal_id}/decline", {})
    assert "Renewal declined." in declined.text
    [standing] = (await standing_entries([reel]))[reel]
    assert standing.id == entry_id and standing.grant.ends_on == entry.grant.ends_on
    notes = await get_engine().fetch("SELECT kind, recipient_id FROM notification WHERE kind LIKE 'rights.renewal%'")
    assert ("rights.renewal_declined", cast.bob_id) in {(n["kind"], n["recipient_id"]) for n in notes}


async def test_a_voided_or_expired_amendment_cancels_the_renewal_and_a_new_one_may_start(
    cast: Cast, local_storage: LocalStorage, tools: ContractTools
) -> None:
    reel, entry_id = await approved_asset(cast, local_storage)
    [entry] = (await standing_entries([reel]))[reel]
    bob = await get_staff_context(cast.bob_id)
    later = entry.grant.ends_on + dt.timedelta(days=30)
    first = await check_propose_renewal(ACTOR, bob, cast.acme_id, entry_id, ends_on=later, fee="250", note="")
    contract_id = await do_accept_renewal(ACTOR, RenewalSide.creator(cast.alice_id), tools, first)
    await do_void_contract(
        ACTOR, await brand_side(cast.bob_id, cast.acme_id), contract_id=contract_id, reason="Wrong fee"
    )
    second = await check_propose_renewal(ACTOR, bob, cast.acme_id, entry_id, ends_on=later, fee="300", note="")
    contract_id = await do_accept_renewal(ACTOR, RenewalSide.creator(cast.alice_id), tools, second)
    assert await expire_contracts(dt.datetime.now(dt.UTC) + dt.timedelta(days=30)) == 1
    statuses = await get_engine().fetch("SELECT id, status FROM rights_renewal ORDER BY id")
    assert [(r["id"], r["status"]) for r in statuses] == [(first, "cancelled"), (second, "cancelled")]
    [standing] = (await standing_entries([reel]))[reel]
    assert standing.id == entry_id and await _payables() == []
