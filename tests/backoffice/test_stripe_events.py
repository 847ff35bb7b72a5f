"""Finance looks up a received Stripe event by id: only events about creators who work with the brand."""

from __future__ import annotations

import httpx

from shared.audit.context import system_actor
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.stripe_connect import ConnectAccount
from shared.payouts.actions import do_receive_stripe_event, do_record_payout_account
from tests.conftest import Cast
from tests.factories import agreed_deal
from tests.personas import act_as_staff

ACME = "/backoffice/b/acme"
ACTOR = system_actor("test")


def _account(account_id: str) -> ConnectAccount:
    return ConnectAccount(account_id, "US", True, True, (), None)


async def _event(event_id: str, account: str | None) -> None:
    obj = {"id": account or "acct_platform", "object": "account", "payouts_enabled": True}
    body = {"id": event_id, "object": "event", "type": "account.updated", "account": account, "data": {"object": obj}}
    assert await do_receive_stripe_event(body)


async def test_finance_finds_an_event_about_a_creator_who_works_with_the_brand(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await agreed_deal(cast)  # Alice works with Acme
    await do_record_payout_account(ACTOR, cast.alice_id, _account("acct_1AliceRivera00"))
    stranger = await do_create_creator(
        ACTOR, display_name="Sam Stranger", email="sam@creators.test", country="US", niches=["food"],
        accounts=[SocialAccount("instagram", "ig-sam", "samcooks", 5000, 200)],
    )  # fmt: skip
    await do_record_payout_account(ACTOR, int(stranger.id), _account("acct_1SamStranger000"))
    await _event("evt_1AliceUpdated", "acct_1AliceRivera00")
    await _event("evt_1SamUpdated", "acct_1SamStranger000")
    await _event("evt_1Platform", None)

    await act_as_staff(client, cast.fran_id)
    empty = await client.get(f"{ACME}/stripe-events")
    assert empty.status_code == 200 and "Event id" in empty.text
    found = await client.get(f"{ACME}/stripe-events", params={"id": " evt_1AliceUpdated "})
    assert found.status_code == 200
    assert "account.updated" in found.text and "Alice Rivera" in found.text and "acct_1AliceRivera00" in found.text
    assert "Not yet" in found.text  # its processing job has not run
    # Another creator's event, a platform event, a made-up or absurd id: the same "not found", with a message.
    for other in ("evt_1SamUpdated", "evt_1Platform", "evt_nothing", "evt_" + "x" * 500):
        answer = await client.get(f"{ACME}/stripe-events", params={"id": other})
        assert answer.status_code == 404 and "No event" in answer.text and "Sam Stranger" not in answer.text
    # The section is in the sidebar for finance; not for a manager, who gets 403 on the page.
    assert f'href="{ACME}/stripe-events"' in found.text
    await act_as_staff(client, cast.bob_id)
    assert f'href="{ACME}/stripe-events"' not in (await client.get(ACME)).text
    assert (await client.get(f"{ACME}/stripe-events", params={"id": "evt_1AliceUpdated"})).status_code == 403
