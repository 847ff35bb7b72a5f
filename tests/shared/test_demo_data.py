"""The demo seeds a useful picture through the real actions, once."""

from __future__ import annotations

from shared.db.engine import RapportEngine
from shared.db.tables import Campaign, Collaboration, Deliverable, Shipment
from shared.demo import seed_demo_data


async def test_it_seeds_offers_in_every_state_once(engine: RapportEngine) -> None:
    await seed_demo_data()
    await seed_demo_data()  # idempotent: running the demo again keeps what is there
    assert await Campaign.count() == 2
    statuses = sorted(row["status"] for row in await Collaboration.select(Collaboration.status))
    assert statuses == ["accepted", "countered", "declined", "invited"]
    assert await Deliverable.count() == 2
    assert await Shipment.count() == 1
