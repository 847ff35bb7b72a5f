"""Bob, a manager at Acme, on his phone (390 px): the creator page's stage picker, the stacked tables'
labels, the roster's folded filters and the calendar's first month, looked at as a person sees them.
Screens are saved as test-artifacts/backoffice-phone-*.png."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from shared.collaborations.board import add_months, today_utc
from shared.crm.actions import do_change_stage
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from tests.axe import assert_accessible
from tests.backoffice.board_helpers import deliverable_ids
from tests.backoffice.test_roster import ACTOR
from tests.browser.test_content_journey import sign_in_bob
from tests.browser.test_offer_journey import desktop_page
from tests.conftest import Cast
from tests.factories import agreed_deal


async def snap(page: Page, artifacts_dir: Path, name: str) -> None:
    await page.screenshot(path=str(artifacts_dir / f"backoffice-phone-{name}.png"), full_page=True)


async def test_the_stage_picker_keeps_an_active_creator_active(
    page: Page, live_server: str, cast: Cast, artifacts_dir: Path
) -> None:
    bob = await get_staff_context(cast.bob_id)
    for stage in ("negotiating", "active"):
        await do_change_stage(ACTOR, bob, brand_id=cast.acme_id, creator_id=cast.alice_id, stage=stage)
    await sign_in_bob(page, live_server)
    await page.goto(f"{live_server}/backoffice/b/acme/creators/{cast.alice_id}")
    stage = page.get_by_label("Stage", exact=True)
    await expect(stage).to_have_value("active")
    await expect(stage.locator("option:checked")).to_have_text("Active (now)")
    # Moments read like dates do, in the viewer's zone (app.js): "Sun 29 Nov 2026, 02:15".
    moment = page.locator("time[data-local]").first
    await expect(moment).to_have_text(re.compile(r"^[A-Z][a-z]{2} \d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$"))
    await snap(page, artifacts_dir, "creator-card")
    await assert_accessible(page, "the creator page")
    # Saving the card without touching the stage moves nobody.
    await page.get_by_label("Tags").fill("trail, summer")
    await page.get_by_role("button", name="Save", exact=True).click()
    await expect(page.locator(".flashes")).to_contain_text("Saved tags.")
    await expect(page.get_by_label("Stage", exact=True)).to_have_value("active")
    rows = await get_engine().fetch(
        "SELECT stage FROM relationship WHERE brand = $1 AND creator = $2", cast.acme_id, cast.alice_id
    )
    assert rows[0]["stage"] == "active"


async def test_stacked_tables_keep_their_labels_and_filters_fold_away(
    page: Page, browser: Browser, live_server: str, cast: Cast, artifacts_dir: Path
) -> None:
    deal = await agreed_deal(cast)
    await sign_in_bob(page, live_server)
    await page.goto(f"{live_server}/backoffice/b/acme/campaigns/{deal.campaign_id}")
    invited = page.locator("table").filter(has_text="Alice Rivera").first
    fee = invited.locator("td[data-label=Fee]").first
    label = await fee.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Fee: "', label  # a stacked cell says what its number is
    # Archive is destructive and looks it: the error red, not the yellow of "Make active".
    archive = page.get_by_role("button", name="Archive")
    assert await archive.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(180, 35, 24)"
    chart_row = page.locator(".overview-table tr").first
    label, value = chart_row.locator("th"), chart_row.locator("td")
    assert abs((await label.bounding_box())["y"] - (await value.bounding_box())["y"]) < 4  # type: ignore[index]  # one line
    await snap(page, artifacts_dir, "campaign")
    await assert_accessible(page, "the campaign page on a phone")

    await page.goto(f"{live_server}/backoffice/b/acme/creators")
    filters = page.locator("details.roster-more")
    await expect(filters).not_to_have_attribute("open", "")
    await expect(page.get_by_label("Platform")).to_be_hidden()
    first_creator = page.locator(".roster-table tbody tr").first
    box = await first_creator.bounding_box()
    assert box is not None and box["y"] < 900, box  # the first creator is on the first screen or nearly
    await expect(first_creator.locator("td[data-label=Followers]")).to_be_visible()
    await snap(page, artifacts_dir, "roster")
    await page.goto(f"{live_server}/backoffice/b/acme/creators?tier=micro&country=US")
    await expect(page.locator("details.roster-more > summary")).to_have_text("Filters (2)")
    await assert_accessible(page, "the roster on a phone")

    async with desktop_page(browser, artifacts_dir, "backoffice-desktop") as desk:
        await sign_in_bob(desk, live_server)
        await desk.goto(f"{live_server}/backoffice/b/acme/creators")
        await expect(desk.get_by_label("Platform")).to_be_visible()  # room enough: the filters are open
        await desk.screenshot(path=str(artifacts_dir / "backoffice-desktop-roster.png"), full_page=True)


async def test_the_calendar_opens_where_the_work_is(
    page: Page, live_server: str, cast: Cast, artifacts_dir: Path
) -> None:
    deal = await agreed_deal(cast)
    [reel] = await deliverable_ids(deal.collaboration_id)
    this_month = today_utc().replace(day=1)
    draft_day = add_months(this_month, 2) + dt.timedelta(days=4)
    live_day = draft_day + dt.timedelta(days=14)
    await get_engine().fetch(
        "UPDATE deliverable SET due_on = $2, draft_due = $2, live_due = $3 WHERE id = $1", reel, draft_day, live_day
    )
    await sign_in_bob(page, live_server)
    await page.goto(f"{live_server}/backoffice/b/acme/deliverables/calendar")
    await expect(page.locator("#cal-heading")).to_have_text(draft_day.strftime("%B %Y"))
    days = page.locator(".cal-list .cal-list-day")  # the phone's list of days with work
    await expect(days).to_have_count(2)
    await expect(days.nth(0)).to_contain_text("Draft due")
    await expect(days.nth(1)).to_contain_text("Go live")
    await snap(page, artifacts_dir, "calendar")
    await assert_accessible(page, "the calendar on a phone")
