"""The creator's work list: their own deliverables across brands, soonest first, overdue in red and in words."""

from __future__ import annotations

import httpx

from shared.db.querycount import count_queries
from tests.backoffice.board_helpers import deal_in, deliverable_ids, globex_deal, new_creator, set_deliverable
from tests.conftest import Cast
from tests.factories import agreed_deal
from tests.personas import act_as_creator, act_as_staff

WORK = "/work"


async def test_it_lists_the_creators_deliverables_across_brands(client: httpx.AsyncClient, cast: Cast) -> None:
    acme = await agreed_deal(cast, deliverables=2)
    globex = await globex_deal(cast, cast.alice_id)
    late, _ = await deliverable_ids(acme.collaboration_id)
    await set_deliverable(late, due_in_days=-3)  # the content-review actions come in issue #5
    await act_as_creator(client, cast.alice_id)
    response = await client.get(WORK)
    assert response.status_code == 200
    html = response.text
    assert "Acme" in html and "Globex" in html and "Spring trail" in html and "Globex go" in html
    assert html.count('class="card work-item is-overdue"') == 1 and ">Overdue</span>" in html
    assert "Draft to send" in html  # the status in plain words
    assert f'href="/offers/{acme.collaboration_id}"' in html and f'href="/offers/{globex.collaboration_id}"' in html
    # Soonest first: the overdue one leads.
    assert html.index("is-overdue") < html.index('class="card work-item"')


async def test_it_shows_only_the_creators_own_work(client: httpx.AsyncClient, cast: Cast) -> None:
    bruno = await new_creator("Bruno Diaz", "bruno.climbs")
    deal = await agreed_deal(cast)
    await deal_in(cast, deal.campaign_id, bruno, deliverables=3)
    await act_as_creator(client, bruno)
    response = await client.get(WORK)
    assert response.status_code == 200
    assert response.text.count('class="card work-item') == 3
    assert f'href="/offers/{deal.collaboration_id}"' not in response.text


async def test_it_says_what_to_do_when_there_is_nothing(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_creator(client, cast.alice_id)
    response = await client.get(WORK)
    assert response.status_code == 200 and "Nothing to make yet." in response.text
    assert 'href="/work"' in response.text  # the nav link


async def test_it_marks_live_work_done_without_a_deadline(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast)
    [item] = await deliverable_ids(deal.collaboration_id)
    await set_deliverable(item, status="live", due_in_days=None)
    await act_as_creator(client, cast.alice_id)
    html = (await client.get(WORK)).text
    assert "Nothing due" in html and "is-overdue" not in html


async def test_it_pages_in_a_constant_number_of_queries(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast)
    await act_as_creator(client, cast.alice_id)
    await client.get(WORK)  # warm up (the session row is touched on first use)
    with count_queries() as one:
        await client.get(WORK)
    await globex_deal(cast, cast.alice_id, deliverables=5)
    with count_queries() as six:
        html = (await client.get(WORK)).text
    assert html.count('class="card work-item') == 6 and deal.collaboration_id
    assert one.count == six.count


async def test_it_answers_a_broken_page_link(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_creator(client, cast.alice_id)
    response = await client.get(WORK, params={"after": "nonsense"})
    assert response.status_code == 400 and "That page link is broken" in response.text


async def test_it_sends_strangers_and_staff_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    await agreed_deal(cast)
    assert (await client.get(WORK, follow_redirects=False)).status_code in (302, 303, 401)
    await act_as_staff(client, cast.bob_id)
    response = await client.get(WORK, follow_redirects=False)
    assert response.status_code in (302, 303, 401) and "Spring trail" not in response.text
