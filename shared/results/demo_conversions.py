"""The demo's conversions at Acme: media value rates, a discount code for two Spring trail creators, a month of the
shop's orders imported through the real CSV import (one code no creator has, so the import page shows it), and the
tracked links' clicks spread over the last weeks as they would have come in."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.identity.queries import StaffContext
from shared.results.conversions import do_add_discount_code, do_import_orders, do_set_media_rates

CODES = {"Maya": ("MAYA15", 41), "Nico": ("NICO10", 96)}  # first name → (code, orders in the month)


async def seed_demo_conversions(actor: Actor, bob: StaffContext, fran: StaffContext, *, acme: int) -> None:
    engine = get_engine()
    await do_set_media_rates(actor, bob, acme, rates={"per_thousand_views": "8.50", "per_engagement": "0.12",
                                                      "per_click": "0.60"})  # fmt: skip
    deals = await engine.fetch(
        "SELECT c.campaign, c.creator, split_part(cr.display_name, ' ', 1) AS first_name FROM collaboration c "
        "JOIN campaign k ON k.id = c.campaign JOIN creator cr ON cr.id = c.creator "
        "WHERE c.brand = $1 AND k.name = 'Spring trail' AND c.agreed_terms IS NOT NULL",
        acme,
    )
    today = dt.datetime.now(dt.UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    lines = ["order_id,code,amount,currency,ordered_at"]
    number = 50_100
    for deal in deals:
        if deal["first_name"] not in CODES:
            continue
        code, orders = CODES[deal["first_name"]]
        await do_add_discount_code(actor, bob, acme, int(deal["campaign"]), creator_id=int(deal["creator"]), code=code)
        for n in range(orders):
            number += 1
            when = today - dt.timedelta(days=38 - (n * 7) % 36, hours=n % 9)
            lines.append(f"{number},{code},{89 + (n * 13) % 70}.{(n * 37) % 100:02d},USD,{when.isoformat()}")
    for n in range(5):  # a code from a newsletter, not a creator's: listed on the import page
        number += 1
        lines.append(f"{number},WELCOME5,{45 + n}.00,USD,{(today - dt.timedelta(days=n + 2)).isoformat()}")
    await do_import_orders(actor, fran, acme, data=("\n".join(lines) + "\n").encode())
    await _spread_clicks(acme, today.date())


async def _spread_clicks(brand_id: int, today: dt.date) -> None:
    """The demo's clicks were counted in one go today; spread each link's count over the weeks since going live,
    most in the first days, as a post's clicks come."""
    engine = get_engine()
    for link in await engine.fetch("SELECT id, clicks FROM tracked_link WHERE brand = $1", brand_id):
        total = int(link["clicks"])
        weights = [max(1, 40 - 3 * day) for day in range(30)]
        shares = [total * w // sum(weights) for w in weights]
        shares[0] += total - sum(shares)
        await engine.fetch("DELETE FROM tracked_link_day WHERE link = $1", link["id"])
        await engine.fetch(
            "INSERT INTO tracked_link_day (link, day, clicks) SELECT $1, d, c FROM unnest($2::date[], $3::bigint[]) "
            "AS x(d, c) WHERE c > 0",
            link["id"],
            [today - dt.timedelta(days=29 - day) for day in range(30)],
            shares,
        )
