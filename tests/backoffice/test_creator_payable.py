"""The back-office creator page says whether the creator can be paid through Stripe."""

from __future__ import annotations

import httpx

from shared.audit.context import system_actor
from shared.crm.actions import do_change_stage
from shared.identity.queries import get_staff_context
from shared.integrations.stripe_connect import ConnectAccount
from shared.payouts.actions import do_record_payout_account, do_sync_payout_account
from tests.backoffice.test_roster import ACTOR, onboarded_creator
from tests.conftest import Cast
from tests.personas import act_as_staff

ROSTER = "/backoffice/b/acme/creators"


async def test_it_shows_whether_the_creator_is_payable(client: httpx.AsyncClient, cast: Cast) -> None:
    wren = await onboarded_creator("Wren Walker", handle="wren.walks", followers=1000, engagements=10, niches="x")
    bob = await get_staff_context(cast.bob_id)
    await do_change_stage(ACTOR, bob, brand_id=cast.acme_id, creator_id=wren, stage="contacted")
    await act_as_staff(client, cast.fran_id)
    page = await client.get(f"{ROSTER}/{wren}")
    assert 'data-payable="no"' in page.text and "payouts not set up" in page.text
    pending = ConnectAccount("acct_1wren", "US", True, False, ("individual.phone",), "requirements.past_due")
    await do_record_payout_account(system_actor("test"), wren, pending)
    page = await client.get(f"{ROSTER}/{wren}")
    assert "No: stripe needs more information" in page.text
    await do_sync_payout_account(system_actor("test"), ConnectAccount("acct_1wren", "US", True, True, (), None))
    page = await client.get(f"{ROSTER}/{wren}")
    assert 'data-payable="yes"' in page.text and "Yes: Stripe payouts ready" in page.text
