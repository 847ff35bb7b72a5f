"""'Today' is the viewer's day: the library and a creator's rights page read the grants' whole-day windows in the
time zone the staff member or creator set (UTC until they set one). On the boundary day, a viewer whose day is
already tomorrow sees a grant ending today (UTC) as expired, and one whose day is still yesterday sees a grant
starting today as not started yet, while a UTC viewer sees both usable."""

from __future__ import annotations

import datetime as dt
import html

import httpx
import pytest

from shared.audit.context import system_actor
from shared.collaborations.rules import Terms
from shared.content.actions import check_submit_live
from shared.dates import known_time_zone, today_in
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.integrations.storage_local import LocalStorage
from shared.rights.actions import record_grant
from shared.rights.rules import day_text
from tests.conftest import Cast, post_form
from tests.personas import act_as_creator, act_as_staff
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")
LIBRARY = "/backoffice/b/acme/library"
NOON = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "moment", "day"),
    [
        ("", NOON, dt.date(2026, 11, 29)),
        ("UTC", NOON, dt.date(2026, 11, 29)),
        ("Pacific/Kiritimati", NOON, dt.date(2026, 11, 30)),  # UTC+14: already tomorrow
        ("Pacific/Kiritimati", NOON.replace(hour=9, minute=59), dt.date(2026, 11, 29)),
        ("Etc/GMT+12", NOON.replace(hour=11, minute=59), dt.date(2026, 11, 28)),  # UTC-12: still yesterday
        ("America/New_York", NOON.replace(hour=4, minute=59), dt.date(2026, 11, 28)),  # EST, UTC-5
        ("America/New_York", NOON.replace(hour=5), dt.date(2026, 11, 29)),
        ("Mars/Olympus_Mons", NOON.replace(hour=23), dt.date(2026, 11, 29)),  # unknown: UTC
    ],
)
def test_today_is_the_day_in_the_zone(zone: str, moment: dt.datetime, day: dt.date) -> None:
    assert today_in(zone, moment) == day


def test_it_knows_only_real_zones() -> None:
    assert known_time_zone("") and known_time_zone("Europe/Paris") and known_time_zone("Etc/GMT+12")
    assert not known_time_zone("Europe/Atlantis") and not known_time_zone("x" * 65)


async def _grant_on_the_boundary(cast: Cast, storage: LocalStorage) -> tuple[int, str, str]:
    """Alice's live reel whose window ends (or starts) on today's UTC date, and a zone whose date differs now.
    Returns (deliverable, zone, what a viewer in that zone sees)."""
    reel, _ = await approved_asset(cast, storage, channels=("organic",), countries="", duration="30", unit="days")
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=["https://www.instagram.com/reel/edge/"])
    utc_today = today_in("")
    if dt.datetime.now(dt.UTC).hour >= 12:
        # Kiritimati (UTC+14) is already tomorrow: a window ending today (UTC) has ended there.
        zone = "Pacific/Kiritimati"
        rows = await get_engine().fetch(
            "SELECT c.agreed_terms FROM deliverable d JOIN collaboration c ON c.id = d.collaboration WHERE d.id = $1",
            reel,
        )
        rights = Terms.from_json(jsonb(rows[0]["agreed_terms"])).rights
        assert rights is not None
        length = rights.window(utc_today)[1] - utc_today
        await record_grant(ACTOR, reel, source="go_live", go_live=utc_today - length)
        seen = "Expired"
    else:
        # UTC-12 is still yesterday: a window starting today (UTC) has not started there.
        zone = "Etc/GMT+12"
        await record_grant(ACTOR, reel, source="go_live", go_live=utc_today)
        seen = "Usable from"
    assert today_in(zone) != utc_today
    return reel, zone, seen


async def test_the_library_reads_today_in_the_staff_members_zone(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    reel, zone, seen = await _grant_on_the_boundary(cast, local_storage)
    await act_as_staff(client, cast.bob_id)
    utc_page = html.unescape((await client.get(LIBRARY)).text)
    assert f"today ({day_text(today_in(''))} in UTC" in utc_page
    assert "Usable for organic worldwide" in utc_page.split(f'id="asset-{reel}"')[1].split("</li>")[0]

    wrong = await post_form(client, "/backoffice/account", "/backoffice/account/time-zone", {"time_zone": "Mars/X"})
    assert wrong.status_code == 400 and "Choose a time zone from the list" in html.unescape(wrong.text)
    saved = await post_form(client, "/backoffice/account", "/backoffice/account/time-zone", {"time_zone": zone})
    assert "Time zone saved" in saved.text
    zoned = html.unescape((await client.get(LIBRARY)).text)
    assert f"today ({day_text(today_in(zone))} in {zone}" in zoned
    tile = zoned.split(f'id="asset-{reel}"')[1].split("</li>")[0]
    assert seen in tile and "Usable for" not in tile
    audit = await get_engine().fetch("SELECT action, after FROM audit_log WHERE action = 'staff.time_zone_set'")
    assert len(audit) == 1


async def test_a_creators_rights_page_reads_today_in_her_zone(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    reel, zone, seen = await _grant_on_the_boundary(cast, local_storage)
    await act_as_creator(client, cast.alice_id)
    page = html.unescape((await client.get("/rights")).text)
    mine = page.split(f'id="asset-{reel}"')[1].split("</li>")[0]
    assert f"as of {day_text(today_in(''))} in UTC" in page and "Acme may use it for organic worldwide" in mine
    saved = await post_form(client, "/rights", "/rights/time-zone", {"time_zone": zone})
    page = html.unescape(saved.text)
    mine = page.split(f'id="asset-{reel}"')[1].split("</li>")[0]
    assert "Time zone saved" in page and f"as of {day_text(today_in(zone))} in {zone}" in page
    assert ("rights ended" if seen == "Expired" else "rights start when it goes live") in mine
