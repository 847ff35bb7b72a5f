"""The deliverables calendar: a month by day, overdue in red and in words, month links keep the filters."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.collaborations.board import (
    BoardFilters,
    add_months,
    first_calendar_month,
    list_board_calendar,
    month_grid,
    parse_month,
)
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from tests.backoffice.board_helpers import TODAY, deal_in, deliverable_ids, new_creator, set_deliverable
from tests.conftest import Cast
from tests.factories import agreed_deal, published_campaign
from tests.personas import act_as_creator, act_as_staff

CALENDAR = "/backoffice/b/acme/deliverables/calendar"
MONTH = TODAY.replace(day=1)


def test_it_reads_the_month() -> None:
    assert parse_month("2026-12", TODAY) == (dt.date(2026, 12, 1), None)
    assert parse_month("", TODAY) == (MONTH, None)
    assert parse_month("December", TODAY) == (MONTH, "Enter a month like 2026-12.")
    assert parse_month("2026-13", TODAY) == (MONTH, "Enter a month like 2026-12.")
    assert add_months(dt.date(2026, 12, 1), 1) == dt.date(2027, 1, 1)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)


def test_it_lays_out_whole_weeks_from_monday() -> None:
    weeks = month_grid(dt.date(2026, 12, 1), [], dt.date(2026, 12, 24))
    assert weeks[0][0].day == dt.date(2026, 11, 30) and not weeks[0][0].in_month  # Dec 2026 starts on a Tuesday
    assert weeks[-1][-1].day == dt.date(2027, 1, 3)
    assert all(len(week) == 7 for week in weeks)
    assert [d.day for week in weeks for d in week if d.is_today] == [dt.date(2026, 12, 24)]


async def _month_data(cast: Cast) -> dict[str, int]:
    """Alice: one overdue (yesterday, or the 1st) and one on the last day of this month; Bruno: in two months."""
    deal = await agreed_deal(cast, deliverables=2)
    first, second = await deliverable_ids(deal.collaboration_id)
    # Pin both into this month: yesterday-or-the-1st (overdue) and the last day of the month.
    overdue_day = max(MONTH, TODAY - dt.timedelta(days=1))
    last_day = add_months(MONTH, 1) - dt.timedelta(days=1)
    await set_deliverable(first, due_in_days=(overdue_day - TODAY).days)
    await set_deliverable(second, status="draft_submitted", due_in_days=(last_day - TODAY).days)
    summer = await published_campaign(cast, name="Summer peaks")
    bruno = await new_creator("Bruno Diaz", "bruno.climbs")
    [later] = await deliverable_ids((await deal_in(cast, summer, bruno)).collaboration_id)
    await set_deliverable(later, due_in_days=(add_months(MONTH, 2) - TODAY).days + 3)
    # Their go-live dates (also on the calendar) well away from the months these tests look at.
    await get_engine().fetch("UPDATE deliverable SET live_due = due_on + 200")
    return {"first": first, "second": second, "later": later, "spring": deal.campaign_id, "summer": summer}


async def test_it_groups_a_months_deliverables_by_day(client: httpx.AsyncClient, cast: Cast) -> None:
    data = await _month_data(cast)
    with count_queries() as log:
        cal = await list_board_calendar(cast.acme_id, MONTH, BoardFilters())
    assert log.count == 1
    days = cal.days_with_work
    items = [(d.day, row.id, row.overdue) for d in days for row in d.rows]
    overdue = TODAY > MONTH  # on the 1st nothing of this month can be overdue yet
    assert [(row_id, late) for _, row_id, late in items] == [(data["first"], overdue), (data["second"], False)]
    assert items[-1][0] == add_months(MONTH, 1) - dt.timedelta(days=1)
    later = await list_board_calendar(cast.acme_id, add_months(MONTH, 2), BoardFilters())
    assert [row.id for d in later.days_with_work for row in d.rows] == [data["later"]]
    filtered = await list_board_calendar(cast.acme_id, MONTH, BoardFilters(status="draft_submitted"))
    assert [row.id for d in filtered.days_with_work for row in d.rows] == [data["second"]]


async def test_it_shows_the_month_with_overdue_in_red_and_in_words(client: httpx.AsyncClient, cast: Cast) -> None:
    await _month_data(cast)
    await act_as_staff(client, cast.bob_id)
    response = await client.get(CALENDAR)
    assert response.status_code == 200
    html = response.text
    assert MONTH.strftime("%B %Y") in html
    assert "Alice Rivera" in html and "Bruno Diaz" not in html
    if TODAY > MONTH:
        assert 'class="cal-item is-overdue"' in html and ">Overdue</span>" in html
    # Both layouts are in the page: the grid (wide screens) and the list by day (phones).
    assert 'class="cal-grid"' in html and 'class="cal-list-day' in html
    previous, following = add_months(MONTH, -1).strftime("%Y-%m"), add_months(MONTH, 1).strftime("%Y-%m")
    assert f"?month={previous}" in html and f"?month={following}" in html


async def test_it_keeps_the_filters_on_the_month_links(client: httpx.AsyncClient, cast: Cast) -> None:
    data = await _month_data(cast)
    await act_as_staff(client, cast.vic_id)  # a viewer may look
    month = add_months(MONTH, 2).strftime("%Y-%m")
    response = await client.get(CALENDAR, params={"month": month, "campaign": str(data["summer"])})
    assert response.status_code == 200 and "Bruno Diaz" in response.text
    assert f"?month={add_months(MONTH, 3).strftime('%Y-%m')}&amp;campaign={data['summer']}" in response.text
    other = await client.get(CALENDAR, params={"month": month, "campaign": str(data["spring"])})
    assert "Bruno Diaz" not in other.text and "Nothing due in" in other.text


async def test_it_explains_a_bad_month(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    response = await client.get(CALENDAR, params={"month": "soon"})
    assert response.status_code == 400
    assert "Enter a month like 2026-12." in response.text and MONTH.strftime("%B %Y") in response.text


async def test_it_keeps_the_calendar_from_strangers(client: httpx.AsyncClient, cast: Cast) -> None:
    await _month_data(cast)
    assert (await client.get(CALENDAR, follow_redirects=False)).status_code in (302, 303, 401)
    await act_as_creator(client, cast.alice_id)
    assert (await client.get(CALENDAR, follow_redirects=False)).status_code in (302, 303, 401)
    await act_as_staff(client, cast.charlie_id)
    response = await client.get(CALENDAR)
    assert response.status_code == 404 and "Alice Rivera" not in response.text


async def test_it_shows_a_few_per_day_and_links_to_the_rest(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast, deliverables=5)
    summer = await published_campaign(cast, name="Summer peaks")
    more = await deliverable_ids(
        (await deal_in(cast, summer, await new_creator("Bruno Diaz", "bruno.c"))).collaboration_id
    )
    busy = add_months(MONTH, 1) + dt.timedelta(days=9)
    for item in [*await deliverable_ids(deal.collaboration_id), *more]:
        await set_deliverable(item, due_in_days=(busy - TODAY).days)
    cal = await list_board_calendar(cast.acme_id, busy.replace(day=1), BoardFilters())
    [day] = [d for d in cal.days_with_work if d.day == busy]  # their go-live days are on the calendar too
    assert len(day.rows) == 5 and day.more
    await act_as_staff(client, cast.bob_id)
    response = await client.get(CALENDAR, params={"month": busy.strftime("%Y-%m"), "platform": ""})
    assert f"?from={busy.isoformat()}&amp;to={busy.isoformat()}" in response.text
    assert f"All due {busy.strftime('%a %d %b %Y')}" in response.text


async def test_it_shows_go_live_dates_beside_draft_dates(client: httpx.AsyncClient, cast: Cast) -> None:
    """A deliverable still drafting stands on its draft day and on its go-live day (19 Dec was empty)."""
    deal = await agreed_deal(cast)
    [reel] = await deliverable_ids(deal.collaboration_id)
    draft_day, live_day = add_months(MONTH, 1) + dt.timedelta(days=3), add_months(MONTH, 1) + dt.timedelta(days=18)
    await get_engine().fetch(
        "UPDATE deliverable SET due_on = $2, draft_due = $2, live_due = $3 WHERE id = $1", reel, draft_day, live_day
    )
    with count_queries() as log:
        cal = await list_board_calendar(cast.acme_id, draft_day.replace(day=1), BoardFilters())
    assert log.count == 1
    assert [(d.day, [r.id for r in d.rows]) for d in cal.days_with_work] == [(draft_day, [reel]), (live_day, [reel])]
    await act_as_staff(client, cast.bob_id)
    html = (await client.get(CALENDAR, params={"month": draft_day.strftime("%Y-%m")})).text
    assert html.count(">Draft due</span>") == 2 and html.count(">Go live</span>") == 2  # grid and phone list


async def test_it_opens_on_the_month_of_the_next_date(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast)
    [reel] = await deliverable_ids(deal.collaboration_id)
    ahead = add_months(MONTH, 3) + dt.timedelta(days=4)
    await get_engine().fetch(
        "UPDATE deliverable SET due_on = $2, draft_due = $2, live_due = $2 WHERE id = $1", reel, ahead
    )
    assert await first_calendar_month(cast.acme_id) == ahead.replace(day=1)
    assert await first_calendar_month(cast.globex_id) == MONTH  # nothing ahead: this month
    # The filters count: work of another campaign doesn't move the calendar.
    other = await published_campaign(cast, name="Autumn")
    assert await first_calendar_month(cast.acme_id, BoardFilters(campaign_id=other)) == MONTH
    await act_as_staff(client, cast.bob_id)
    html = (await client.get(CALENDAR)).text
    assert f'<h2 id="cal-heading">{ahead.strftime("%B %Y")}</h2>' in html and "the next month with work" in html
    # Asked for a month, it shows that month.
    asked = (await client.get(CALENDAR, params={"month": MONTH.strftime("%Y-%m")})).text
    assert f'<h2 id="cal-heading">{MONTH.strftime("%B %Y")}</h2>' in asked
