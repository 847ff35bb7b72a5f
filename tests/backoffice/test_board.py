"""The deliverables board: filters, overdue marking, keyset pages, query counts, who may see it."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from shared.collaborations.board import (
    BoardCursor,
    BoardFilters,
    list_board,
    list_creator_board,
    parse_board_filters,
)
from shared.db.querycount import count_queries
from shared.db.tables import Deliverable
from shared.errors import InvalidInput
from tests.backoffice.board_helpers import (
    TODAY,
    deal_in,
    deliverable_ids,
    globex_deal,
    new_creator,
    set_deliverable,
)
from tests.conftest import Cast
from tests.factories import agreed_deal, published_campaign
from tests.personas import act_as_creator, act_as_staff

BOARD = "/backoffice/b/acme/deliverables"


# --- filters from the query string (pure) ---------------------------------------------------------


def test_it_parses_every_filter() -> None:
    filters, errors = parse_board_filters(
        {
            "campaign": "7",
            "status": "changes_requested",
            "platform": "tiktok",
            "creator": "  @Alice  Out ",
            "overdue": "1",
            "from": "2026-12-01",
            "to": "2026-12-31",
        }
    )
    assert errors == {}
    assert filters == BoardFilters(
        campaign_id=7,
        status="changes_requested",
        platform="tiktok",
        creator="alice out",
        overdue_only=True,
        due_from=dt.date(2026, 12, 1),
        due_to=dt.date(2026, 12, 31),
    )
    assert parse_board_filters(filters.to_query()) == (filters, {})


def test_it_explains_bad_filters_and_drops_them() -> None:
    filters, errors = parse_board_filters(
        {"campaign": "x", "status": "done", "platform": "myspace", "from": "31/12/2026", "overdue": "maybe"}
    )
    assert filters == BoardFilters()
    assert errors == {
        "campaign": "Choose a campaign from the list.",
        "status": "Choose a status from the list.",
        "platform": "Choose a platform from the list.",
        "from": "Enter a date like 2026-12-31.",
        "overdue": "Tick the box to see only overdue deliverables.",
    }


def test_it_refuses_an_end_date_before_the_start() -> None:
    filters, errors = parse_board_filters({"from": "2026-12-31", "to": "2026-12-01"})
    assert errors == {"to": "The end date is before the start date; swap them."}
    assert filters.due_from == dt.date(2026, 12, 31) and filters.due_to is None


def test_it_round_trips_cursors_and_refuses_tampered_ones() -> None:
    for cursor in (BoardCursor(dt.date(2026, 12, 1), 42), BoardCursor(None, 7)):
        assert BoardCursor.decode(cursor.encode()) == cursor
    for bad in ("", "x.1", "2026-12-01", "none.-3", "2026-13-01.4"):
        with pytest.raises(InvalidInput):
            BoardCursor.decode(bad)


# --- the query ------------------------------------------------------------------------------------


async def _board_data(cast: Cast) -> dict[str, int]:
    """Acme: Alice (2 deliverables, one overdue) in Spring; Bruno (3) and Cleo (1, live) in Summer.
    Globex: a deal with Alice that Acme must not see."""
    spring = (await agreed_deal(cast, deliverables=2)).campaign_id
    summer = await published_campaign(cast, name="Summer peaks")
    bruno = await new_creator("Bruno Diaz", "bruno.climbs")
    cleo = await new_creator("Cleo Park", "cleo.trails", provider="youtube")
    bruno_deal = await deal_in(cast, summer, bruno, deliverables=3)
    cleo_deal = await deal_in(cast, summer, cleo)
    await globex_deal(cast, cast.alice_id)
    alice_items = await _first_two_of(cast.alice_id)
    await set_deliverable(alice_items[0], due_in_days=-2)  # overdue, still pending
    await set_deliverable(alice_items[1], status="draft_submitted", due_in_days=3)
    [cleo_item] = await deliverable_ids(cleo_deal.collaboration_id)
    await set_deliverable(cleo_item, status="live", due_in_days=None)
    bruno_items = await deliverable_ids(bruno_deal.collaboration_id)
    await set_deliverable(bruno_items[2], status="approved", due_in_days=-5)  # approved but not live: overdue
    return {"spring": spring, "summer": summer, "bruno": bruno, "cleo": cleo}


async def _first_two_of(creator_id: int) -> list[int]:
    rows = await Deliverable.select(Deliverable.id).where(Deliverable.creator == creator_id).order_by(Deliverable.id)
    return [int(r["id"]) for r in rows][:2]


async def test_it_orders_by_due_date_with_undated_last(cast: Cast) -> None:
    await _board_data(cast)
    page = await list_board(cast.acme_id, BoardFilters())
    assert len(page.rows) == 6 and page.next_after is None
    dates = [row.due_on for row in page.rows]
    assert dates[-1] is None and all(d is not None for d in dates[:-1])
    assert dates[:-1] == sorted(d for d in dates if d is not None)
    assert {row.brand_slug for row in page.rows} == {"acme"}


async def test_it_marks_overdue_rows(cast: Cast) -> None:
    await _board_data(cast)
    page = await list_board(cast.acme_id, BoardFilters())
    overdue = [(row.creator_name, row.status) for row in page.rows if row.overdue]
    assert sorted(overdue) == [("Alice Rivera", "pending"), ("Bruno Diaz", "approved")]
    # A live deliverable is never overdue, even once its old dates have passed.
    assert not any(row.overdue for row in page.rows if row.status == "live")


async def test_it_filters(cast: Cast) -> None:
    data = await _board_data(cast)

    async def names(**filters: object) -> list[str]:
        page = await list_board(cast.acme_id, BoardFilters(**filters))  # type: ignore[arg-type]
        return sorted(f"{row.creator_name}:{row.status}" for row in page.rows)

    assert await names(campaign_id=data["spring"]) == ["Alice Rivera:draft_submitted", "Alice Rivera:pending"]
    assert await names(status="live") == ["Cleo Park:live"]
    assert await names(overdue_only=True) == ["Alice Rivera:pending", "Bruno Diaz:approved"]
    assert await names(creator="bruno") == ["Bruno Diaz:approved", "Bruno Diaz:pending", "Bruno Diaz:pending"]
    assert await names(creator="cleo.tr") == ["Cleo Park:live"]  # a fragment of the handle
    assert await names(creator="100%") == []
    # offer_form's second deliverable is an Instagram story; the third a YouTube video.
    assert await names(platform="youtube") == ["Bruno Diaz:approved"]
    assert await names(due_from=TODAY, due_to=TODAY + dt.timedelta(days=3)) == ["Alice Rivera:draft_submitted"]
    # Another brand's campaign id filters to nothing rather than leaking its rows.
    globex_campaign = (await list_board(cast.globex_id, BoardFilters())).rows[0].campaign_id
    assert await names(campaign_id=globex_campaign) == []


async def test_it_pages_without_gaps_or_repeats(cast: Cast) -> None:
    """Pages of every size walk the same order: ties on the date, and the undated rows at the end."""
    data = await _board_data(cast)
    # More undated rows and same-date ties, so cursors land on both sides of the NULL boundary.
    more = await new_creator("Dana Reyes", "dana.rides")
    extra = await deliverable_ids((await deal_in(cast, data["summer"], more, deliverables=4)).collaboration_id)
    await set_deliverable(extra[0], status="live", due_in_days=None)
    await set_deliverable(extra[1], status="verified", due_in_days=None)
    await set_deliverable(extra[2], due_in_days=-2)  # ties with Alice's overdue one
    everything = (await list_board(cast.acme_id, BoardFilters(), limit=200)).rows
    assert len(everything) == 10
    for size in (1, 2, 3, 4, 7):
        seen, after = [], None
        for _ in range(20):
            page = await list_board(cast.acme_id, BoardFilters(), after=after, limit=size)
            assert len(page.rows) <= size
            seen.extend(row.id for row in page.rows)
            after = page.next_after
            if after is None:
                break
        assert seen == [row.id for row in everything], size


async def test_it_pages_filtered_rows(cast: Cast) -> None:
    data = await _board_data(cast)
    filters = BoardFilters(campaign_id=data["summer"])
    first = await list_board(cast.acme_id, filters, limit=3)
    second = await list_board(cast.acme_id, filters, after=first.next_after, limit=3)
    assert [r.creator_name for r in first.rows + second.rows].count("Bruno Diaz") == 3
    assert second.rows[-1].status == "live" and second.next_after is None


async def test_it_issues_one_query_whatever_the_page_size(client: httpx.AsyncClient, cast: Cast) -> None:
    """(`client` opens the connection pool, whose connections report every statement.)"""
    await _board_data(cast)
    counts = []
    for limit in (5, 50):
        with count_queries() as log:
            first = await list_board(cast.acme_id, BoardFilters(), limit=limit)
        counts.append(log.count)
    with count_queries() as log:
        await list_board(cast.acme_id, BoardFilters(), after=BoardCursor(TODAY, 1).encode(), limit=2)
    counts.append(log.count)
    with count_queries() as log:
        await list_creator_board(cast.alice_id, limit=2)
    counts.append(log.count)
    assert counts == [1, 1, 1, 1]
    assert first.rows


async def test_it_shows_the_creator_only_their_own_deliverables(cast: Cast) -> None:
    data = await _board_data(cast)
    alice = await list_creator_board(cast.alice_id)
    assert {row.brand_name for row in alice.rows} == {"Acme", "Globex"}
    assert {row.creator_id for row in alice.rows} == {cast.alice_id}
    assert len(alice.rows) == 3
    bruno = await list_creator_board(data["bruno"])
    assert len(bruno.rows) == 3 and {row.creator_name for row in bruno.rows} == {"Bruno Diaz"}


# --- the page -------------------------------------------------------------------------------------


async def test_it_lists_deliverables_with_overdue_in_words(client: httpx.AsyncClient, cast: Cast) -> None:
    await _board_data(cast)
    await act_as_staff(client, cast.bob_id)
    response = await client.get(BOARD)
    assert response.status_code == 200
    html = response.text
    assert html.count('class="board-row is-overdue"') == 2
    assert html.count(">Overdue</span>") == 2
    assert "Bruno Diaz" in html and "Summer peaks" in html and "Reel on Instagram" in html
    assert "/backoffice/b/acme/offers/" in html
    assert "Globex go" not in html


async def test_it_keeps_filters_on_the_next_page_link(client: httpx.AsyncClient, cast: Cast) -> None:
    data = await _board_data(cast)
    await act_as_staff(client, cast.bob_id)
    # One page of the board is 50 rows; the filters must survive into the "Next page" link.
    campaign = data["summer"]
    for index in range(12):
        creator = await new_creator(f"Extra {index}", f"extra.{index}")
        await deal_in(cast, campaign, creator, deliverables=5)
    response = await client.get(BOARD, params={"campaign": str(campaign), "platform": "instagram"})
    assert response.status_code == 200
    assert 'rel="next"' not in response.text  # 12 x 2 Instagram deliverables + Bruno's 2 = 26: one page
    response = await client.get(BOARD, params={"campaign": str(campaign)})
    assert 'rel="next"' in response.text
    next_href = response.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert f"campaign={campaign}" in next_href and "after=" in next_href
    second = await client.get(BOARD + next_href.replace("&amp;", "&"))
    assert second.status_code == 200 and "(continued)" in second.text
    assert second.text.count('class="board-row') == 64 - 50


async def test_it_shows_filter_errors_and_keeps_the_page(client: httpx.AsyncClient, cast: Cast) -> None:
    await _board_data(cast)
    await act_as_staff(client, cast.bob_id)
    response = await client.get(BOARD, params={"status": "finished", "creator": "bruno"})
    assert response.status_code == 400
    assert "Choose a status from the list." in response.text
    assert 'value="bruno"' in response.text and "Bruno Diaz" in response.text
    broken = await client.get(BOARD, params={"after": "garbage"})
    assert broken.status_code == 400 and "That page link is broken" in broken.text


async def test_it_says_what_to_do_when_empty(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    response = await client.get(BOARD)
    assert response.status_code == 200 and "No deliverables yet." in response.text
    filtered = await client.get(BOARD, params={"overdue": "1"})
    assert "No deliverables match these filters." in filtered.text


async def test_it_lists_a_campaigns_deliverables(client: httpx.AsyncClient, cast: Cast) -> None:
    data = await _board_data(cast)
    await act_as_staff(client, cast.bob_id)
    response = await client.get(BOARD, params={"campaign": str(data["spring"])})
    assert response.status_code == 200
    assert "Alice Rivera" in response.text and "Bruno Diaz" not in response.text


async def test_it_issues_as_many_queries_for_a_full_page_as_for_a_short_one(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await act_as_staff(client, cast.bob_id)
    await agreed_deal(cast)
    await client.get(BOARD)  # warm up (the session row is touched on first use)
    with count_queries() as short:
        assert (await client.get(BOARD)).status_code == 200
    summer = await published_campaign(cast, name="Summer peaks")
    for index in range(12):
        await deal_in(cast, summer, await new_creator(f"Extra {index}", f"extra.{index}"), deliverables=5)
    with count_queries() as full:
        response = await client.get(BOARD)
    assert response.text.count('class="board-row') == 50
    assert full.count == short.count


async def test_it_lets_a_viewer_look(client: httpx.AsyncClient, cast: Cast) -> None:
    await _board_data(cast)
    await act_as_staff(client, cast.vic_id)
    response = await client.get(BOARD)
    assert response.status_code == 200 and "Bruno Diaz" in response.text


async def test_it_sends_anonymous_visitors_to_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    response = await client.get(BOARD, follow_redirects=False)
    assert response.status_code in (302, 303, 401)


async def test_it_refuses_creators(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_creator(client, cast.alice_id)
    response = await client.get(BOARD, follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    assert "Alice Rivera" not in response.text


async def test_it_hides_another_brands_board(client: httpx.AsyncClient, cast: Cast) -> None:
    await _board_data(cast)
    await act_as_staff(client, cast.charlie_id)
    response = await client.get(BOARD)
    assert response.status_code == 404
    assert "Bruno Diaz" not in response.text
    own = await client.get("/backoffice/b/globex/deliverables")
    assert own.status_code == 200 and "Globex go" in own.text and "Summer peaks" not in own.text


async def test_it_finds_creators_the_same_way_when_many_match(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broad search (more than FEW_CREATORS match) walks the board index instead; same rows, same pages."""
    from shared.collaborations import board

    await _board_data(cast)
    few = await list_board(cast.acme_id, BoardFilters(creator="r"), limit=2)
    monkeypatch.setattr(board, "FEW_CREATORS", 0)
    many = await list_board(cast.acme_id, BoardFilters(creator="r"), limit=2)
    assert [r.id for r in few.rows] == [r.id for r in many.rows] and few.next_after == many.next_after
    rest = await list_board(cast.acme_id, BoardFilters(creator="r"), after=many.next_after, limit=50)
    assert {r.creator_name for r in many.rows + rest.rows} == {"Alice Rivera", "Bruno Diaz", "Cleo Park"}
