"""The back-office as a place to work, on the lived-in demo data, at desktop and phone width: every role reaches
every section it may use from the navigation (and sees no others), the header search finds a creator by a
fragment and a campaign, the home's counts are the database's, and axe finds no serious or critical problem on
any back-office or portal page visited. Screenshots of each width go to the artifacts folder."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Browser, Page, expect

from shared.db.engine import RapportEngine, get_engine
from shared.demo import seed_demo_data
from shared.settings import Settings
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.axe import assert_accessible
from tests.conftest import copy_database

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ACME = "/backoffice/b/acme"

WORK = ["Home", "Creators", "Campaigns", "Deliverables", "Reviews", "Messages", "Contracts", "Library", "Results"]
SETTINGS = ["Team", "Disclosure rules"]
EVERYONE = [*WORK, "Payouts", *SETTINGS]  # reviewers don't see money
MONEY = ["Payouts", "Reconciliation", "Stripe events", "Year-end", "Exports"]  # finance and owners
SECTIONS = {
    "olivia@acme.test": [*WORK, *MONEY, *SETTINGS, "Payment policy", "Tax settings", "Audit log"],  # owner
    "bob@acme.test": EVERYONE,  # manager
    "rita@acme.test": [*WORK, *SETTINGS],  # reviewer
    "fran@acme.test": [*WORK, *MONEY, *SETTINGS],  # finance
    "vic@acme.test": EVERYONE,  # viewer
}
FIRST_BLOCK = {"rita@acme.test": "reviews", "bob@acme.test": "reviews"}
# The sections whose pages a role's walk checks with axe: those no role before it in SECTIONS shows.
AXE_SECTIONS = {
    email: [label for label in labels if not any(label in SECTIONS[other] for other in list(SECTIONS)[:index])]
    for index, (email, labels) in enumerate(SECTIONS.items())
}


async def _session(browser: Browser, base: str, viewport: dict[str, int], data: dict[str, int]) -> Page:
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    await context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base}])
    errors: list[str] = []
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.errors = errors  # type: ignore[attr-defined]
    return page


async def _staff_id(email: str) -> int:
    rows = await get_engine().fetch("SELECT id FROM staff_user WHERE email = $1", email)
    return int(rows[0]["id"])


async def _expected_counts(staff_id: int) -> dict[str, int]:
    """The home's numbers, asked of the database directly."""
    today = dt.datetime.now(dt.UTC).date()
    sql = {
        "reviews": "SELECT count(*) AS n FROM draft d JOIN deliverable dl ON dl.id = d.deliverable "
        "JOIN brand b ON b.id = d.brand WHERE b.slug = 'acme' AND dl.status = 'draft_submitted' "
        "AND d.submitted_at IS NOT NULL AND d.decision = '' AND d.upload_state = 'verified'",
        "counters": "SELECT count(*) AS n FROM collaboration c JOIN brand b ON b.id = c.brand "
        "WHERE b.slug = 'acme' AND c.status = 'countered'",
        "deliverables": "SELECT count(*) AS n FROM deliverable dl JOIN collaboration c ON c.id = dl.collaboration "
        "JOIN brand b ON b.id = dl.brand WHERE b.slug = 'acme' AND dl.due_on <= $1::date + 7 "
        "AND dl.status NOT IN ('live', 'verified') AND c.status IN ('accepted', 'contracted', 'in_progress')",
        "messages": "SELECT count(DISTINCT m.collaboration) AS n FROM message m JOIN collaboration c "
        "ON c.id = m.collaboration JOIN brand b ON b.id = c.brand LEFT JOIN thread_read t ON "
        "t.collaboration = m.collaboration AND t.reader_kind = 'staff' AND t.reader_id = $1 "
        "WHERE b.slug = 'acme' AND m.author_kind = 'creator' AND m.id > COALESCE(t.last_read_message_id, 0)",
    }
    counts = {}
    for key, query in sql.items():
        args: list[object] = [] if key in ("reviews", "counters") else [today if key == "deliverables" else staff_id]
        counts[key] = int((await get_engine().fetch(query, *args))[0]["n"])
    return counts


async def _open_nav(page: Page) -> None:
    toggle = page.locator(".menu-toggle")
    if await toggle.is_visible() and await toggle.get_attribute("aria-expanded") != "true":
        await toggle.click()


async def _walk(page: Page, base: str, email: str, width: str, checked: set[str], artifacts: Path) -> None:
    """From the home, every section through the navigation; each one current in turn, each page checked by axe."""
    await page.goto(f"{base}{ACME}")
    await _open_nav(page)
    nav = page.get_by_role("navigation", name="Acme sections")
    labels = [(await link.inner_text()).split("\n")[0].strip() for link in await nav.get_by_role("link").all()]
    labels = [label.rstrip("0123456789 ").strip() for label in labels]
    assert labels == SECTIONS[email], (email, width, labels)
    for label in SECTIONS[email]:
        await _open_nav(page)
        await nav.get_by_role("link", name=label, exact=False).first.click()
        await page.wait_for_load_state("load")
        await _open_nav(page)
        current = nav.locator('[aria-current="page"]')
        await expect(current).to_have_count(1)
        assert (await current.inner_text()).startswith(label), (email, width, label)
        await expect(page.locator("h1")).to_be_visible()
        path = page.url.removeprefix(base).split("?")[0]
        if label in AXE_SECTIONS[email] and (width, path) not in checked:
            await assert_accessible(page)
            checked.add((width, path))  # type: ignore[arg-type]
        if email == "bob@acme.test":
            await page.screenshot(path=str(artifacts / f"shell-{width}-{label.lower().replace(' ', '-')}.png"))


async def _detail_pages(page: Page, base: str, width: str, checked: set[str]) -> None:
    """Detail pages reached from lists: a creator, a campaign, an offer, its thread, a review; breadcrumbs lead back."""
    for list_path, link_selector in (
        (f"{ACME}/creators", "table a[href*='/creators/']"),
        (f"{ACME}/campaigns", "a[href*='/campaigns/']:not([href$='/new'])"),
        (f"{ACME}/messages", ".inbox a"),
        (f"{ACME}/reviews", "a[href*='/reviews/']"),
    ):
        await page.goto(f"{base}{list_path}")
        await page.locator(f"main {link_selector}").first.click()
        await page.wait_for_load_state("load")
        await expect(page.locator("h1")).to_be_visible()
        crumbs = page.get_by_role("navigation", name="Breadcrumb")
        await expect(crumbs.get_by_role("link").first).to_be_visible()  # the way back up
        if (width, list_path + "/*") not in checked:
            await assert_accessible(page)
            checked.add((width, list_path + "/*"))  # type: ignore[arg-type]


WIDTHS = {"desktop": DESKTOP, "phone": PHONE}


def test_each_section_is_checked_by_axe_in_exactly_one_walk() -> None:
    dealt = [label for labels in AXE_SECTIONS.values() for label in labels]
    assert len(dealt) == len(set(dealt))
    assert set(dealt) == {label for labels in SECTIONS.values() for label in labels}


DEMO_SCHEMA = "test_demo_snapshot"
_demo: list[str] = []  # the seeded database's restore script, once per test session (per xdist worker)


@pytest.fixture
async def demo(engine: RapportEngine, clean_database: None, settings: Settings) -> None:
    """The lived-in demo data: seeded once per test session, then copied back into each test's emptied tables
    (as the cast is: same rows, same ids), so that the tests below cost one seed between them, as the single
    test they were split from did."""
    if _demo:
        await engine.execute_script(_demo[0])
        return
    await seed_demo_data(settings)
    try:  # copying rows back needs session_replication_role (a superuser's, as on the embedded server)
        await engine.execute_script("SET session_replication_role = replica; RESET session_replication_role")
    except asyncpg.InsufficientPrivilegeError:  # a TEST_DATABASE_URL without it: seed for every test
        return
    _demo.append(await copy_database(engine, DEMO_SCHEMA))


@pytest.mark.parametrize("email", list(SECTIONS), ids=lambda email: email.split("@")[0])
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_backoffice_shell_for_every_role_at_both_widths(
    browser: Browser, live_server: str, demo: None, artifacts_dir: Path, width: str, email: str
) -> None:
    """One role at one width (the cases of what was one test: pytest-xdist spreads them over its workers)."""
    # Each page is checked by axe once per width, as in the single walk: in the case of the first role (in
    # SECTIONS' order) that shows its section (a section's path is the same for every role: backoffice/shell.py).
    checked: set[str] = set()
    staff_id = await _staff_id(email)
    page = await _session(browser, live_server, WIDTHS[width], {"staff_id": staff_id})
    await _walk(page, live_server, email, width, checked, artifacts_dir)
    # The home: each block's count is the database's; reviewers see reviews first, finance money first.
    await page.goto(f"{live_server}{ACME}")
    expected = await _expected_counts(staff_id)
    for key, count in expected.items():
        shown = await page.locator(f'[data-block="{key}"] .count-badge').get_attribute("data-count")
        assert shown == str(count), (email, key, shown, count)
    first = await page.locator(".home-grid > section").first.get_attribute("aria-labelledby")
    if email == "fran@acme.test":
        assert first == "home-spend"
    elif email in FIRST_BLOCK:
        assert first == f"home-{FIRST_BLOCK[email]}"
    if email == "bob@acme.test":
        await page.screenshot(path=str(artifacts_dir / f"home-{width}.png"), full_page=True)
        await _detail_pages(page, live_server, width, checked)
        # Search: "/" focuses it; a fragment of a handle finds the creator, a word the campaign.
        await page.goto(f"{live_server}{ACME}/deliverables")
        await page.keyboard.press("/")
        search = page.get_by_role("searchbox", name="Search Acme")
        await expect(search).to_be_focused()
        await search.press_sequentially("outdo", delay=30)
        results = page.locator("#header-search-results")
        await expect(results.get_by_role("link", name="Alice Rivera").first).to_be_visible()
        await search.fill("")
        await search.press_sequentially("summer", delay=30)
        await expect(results.get_by_role("link", name="Summer camp series")).to_be_visible()
        await page.screenshot(path=str(artifacts_dir / f"search-{width}.png"))
        await assert_accessible(page)
        await results.get_by_role("link", name="Summer camp series").click()
        await expect(page.get_by_role("heading", name="Summer camp series", exact=False)).to_be_visible()
    # Switching brand keeps the section (Olivia is also at Globex).
    if email == "olivia@acme.test":
        await page.goto(f"{live_server}{ACME}/campaigns")
        await page.locator(".brand-switcher summary").click()
        await page.get_by_role("link", name="Globex", exact=False).click()
        await expect(page).to_have_url(f"{live_server}/backoffice/b/globex/campaigns")
    assert not page.errors, page.errors  # type: ignore[attr-defined]
    await page.context.close()


@pytest.mark.parametrize("creator", ["alice", "maya"])
@pytest.mark.parametrize("width", list(WIDTHS))
async def test_the_portal_passes_axe_at_both_widths(
    browser: Browser, live_server: str, demo: None, artifacts_dir: Path, width: str, creator: str
) -> None:
    """The portal, as a creator with work under way: every page she visits passes axe too."""
    rows = await get_engine().fetch("SELECT id FROM creator WHERE email = $1", f"{creator}@creators.test")
    page = await _session(browser, live_server, WIDTHS[width], {"creator_id": int(rows[0]["id"])})
    for path in ("/home", "/offers", "/work", "/notifications", "/accounts", "/privacy"):
        await page.goto(f"{live_server}{path}")
        await assert_accessible(page)
    await page.goto(f"{live_server}/offers")
    offer_links = page.locator("main a[href^='/offers/']")
    if await offer_links.count():
        await offer_links.first.click()
        await page.wait_for_load_state("load")
        await assert_accessible(page)
    await page.goto(f"{live_server}/work")
    work_links = page.locator("main a[href^='/work/']")
    if await work_links.count():
        await work_links.first.click()
        await page.wait_for_load_state("load")
        await assert_accessible(page)
    await page.screenshot(path=str(artifacts_dir / f"portal-{width}-{creator}.png"), full_page=True)
    await page.context.close()


async def test_the_signed_out_pages_pass_axe(browser: Browser, live_server: str, demo: None) -> None:
    for path in ("/", "/signin", "/backoffice/signin"):
        page = await _session(browser, live_server, PHONE, {})
        await page.goto(f"{live_server}{path}")
        await assert_accessible(page)
        await page.context.close()
