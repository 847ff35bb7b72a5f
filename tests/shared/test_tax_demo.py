"""The demo's tax picture: Alice's W-9, Nico's W-8BEN, Maya held at Acme for her W-9, and year-end totals with
some flagged — seeded through the real actions."""

from __future__ import annotations

import datetime as dt

from shared.db.engine import RapportEngine, get_engine
from shared.demo import seed_demo_data
from shared.settings import Settings
from shared.tax.queries import get_creator_tax, list_year_end, release_hold


async def test_it_seeds_each_tax_state(engine: RapportEngine, settings: Settings) -> None:
    await seed_demo_data(settings)
    db = get_engine()
    creators = await db.fetch("SELECT id, email FROM creator WHERE email IS NOT NULL")
    ids = {r["email"].split("@")[0]: int(r["id"]) for r in creators}
    [acme] = await db.fetch("SELECT id FROM brand WHERE slug = 'acme'")
    forms = {int(r["creator"]): r["form"] for r in await db.fetch("SELECT creator, form FROM tax_profile")}
    assert forms == {ids["alice"]: "w9", ids["nico"]: "w8ben"}

    year_end = await list_year_end(int(acme["id"]), dt.datetime.now(dt.UTC).year)
    rows = {r.creator_id: r for r in year_end.rows}
    assert rows[ids["alice"]].flagged and not rows[ids["alice"]].missing_w9
    assert rows[ids["olu"]].flagged and rows[ids["olu"]].missing_w9
    assert not rows[ids["nico"]].flagged and rows[ids["nico"]].form == "w8ben"
    assert any(not r.flagged and r.form is None for r in year_end.rows)  # below the threshold

    assert await release_hold(int(acme["id"]), ids["maya"]) is not None
    assert [h.creator_id for h in year_end.held] == [ids["maya"]]
    assert (await get_creator_tax(ids["maya"], dt.date.today())).held_by == ("Acme",)
    alice = await get_creator_tax(ids["alice"], dt.date.today())
    assert alice.form == "w9" and alice.totals and alice.held_by == ()
