"""The benchmark data generator (bench/generate_data.py) at a tiny scale: the schema's rules hold, the
data is spread the way the benchmark needs, and the same seed gives the same data. No timing here:
the figures come from bench/query_bench.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from bench.generate_data import Params, generate
from shared.collaborations.board import DONE_STATUSES
from shared.collaborations.rules import AGREED, Terms, deliverable_due_on
from shared.creators.projection import refresh_creator_projection
from shared.db.engine import RapportEngine

TINY = Params(creators=200, deliverables=2000, seed=7)


async def _fetch(engine: RapportEngine, sql: str, *args: object) -> list[dict[str, Any]]:
    return await engine.fetch(sql, *args)


async def _value(engine: RapportEngine, sql: str, *args: object) -> Any:
    rows = await engine.fetch(sql, *args)
    return next(iter(rows[0].values()))


@pytest.fixture
async def tiny(engine: RapportEngine) -> dict[str, int]:
    return await generate(engine.dsn, TINY, progress=lambda line: None)


async def test_it_makes_exactly_the_rows_asked_for(tiny: dict[str, int]) -> None:
    assert tiny["creator"] == 200
    assert tiny["deliverable"] == 2000
    assert tiny["brand"] == 3
    assert tiny["campaign"] >= 40
    assert tiny["collaboration"] > tiny["deliverable"] / 5  # at most 5 deliverables per collaboration
    assert tiny["social_identity"] >= tiny["creator"]


async def test_it_copies_each_collaborations_brand_campaign_and_creator_onto_its_deliverables(
    engine: RapportEngine, tiny: dict[str, int]
) -> None:
    mismatched = await _value(
        engine,
        """
        SELECT count(*) FROM deliverable d JOIN collaboration c ON c.id = d.collaboration
        WHERE d.brand <> c.brand OR d.campaign <> c.campaign OR d.creator <> c.creator
        """,
    )
    assert mismatched == 0
    wrong_brand = await _value(
        engine, "SELECT count(*) FROM collaboration c JOIN campaign k ON k.id = c.campaign WHERE k.brand <> c.brand"
    )
    assert wrong_brand == 0
    # Offers go to creators the brand has a relationship with, under a published brief.
    no_relationship = await _value(
        engine,
        """
        SELECT count(*) FROM collaboration c
        WHERE NOT EXISTS (SELECT 1 FROM relationship r WHERE r.brand = c.brand AND r.creator = c.creator)
        """,
    )
    assert no_relationship == 0
    unpublished = await _value(
        engine,
        """
        SELECT count(*) FROM collaboration c LEFT JOIN brief_version v ON v.id = c.brief_version
        WHERE v.id IS NULL OR v.published_at IS NULL OR v.campaign <> c.campaign
        """,
    )
    assert unpublished == 0


async def test_it_owes_deliverables_only_under_agreed_terms(engine: RapportEngine, tiny: dict[str, int]) -> None:
    rows = await _fetch(
        engine,
        """
        SELECT c.status, c.terms, c.agreed_terms, c.fee_minor,
               (SELECT count(*) FROM deliverable d WHERE d.collaboration = c.id) AS owed,
               (SELECT count(*) FROM offer_revision o WHERE o.collaboration = c.id) AS revisions,
               (SELECT count(*) FROM shipment s WHERE s.collaboration = c.id) AS shipments
        FROM collaboration c
        """,
    )
    for row in rows:
        terms = Terms.from_json(json.loads(row["terms"]))  # raw asyncpg: JSONB arrives as text
        assert terms.fee_minor == row["fee_minor"]
        assert sum(p.amount_minor for p in terms.payments) == terms.fee_minor
        assert row["revisions"] >= 1
        if row["status"] in AGREED or row["status"] == "cancelled":
            assert row["agreed_terms"] is not None
            assert 1 <= row["owed"] <= len(terms.deliverables)
            assert row["shipments"] == 1
        else:
            assert row["agreed_terms"] is None
            assert row["owed"] == 0
            assert row["shipments"] == 0


async def test_it_sets_due_on_by_the_boards_rule_and_spreads_statuses(
    engine: RapportEngine, tiny: dict[str, int]
) -> None:
    rows = await _fetch(engine, "SELECT draft_due, live_due, due_on, status FROM deliverable")
    today = dt.datetime.now(dt.UTC).date()
    for row in rows:
        assert row["due_on"] == deliverable_due_on(row["draft_due"], row["live_due"], row["status"])
    statuses = {row["status"] for row in rows}
    assert {"pending", "draft_submitted", "approved", "live", "verified"} <= statuses
    overdue = [r for r in rows if r["due_on"] and r["due_on"] < today and r["status"] not in DONE_STATUSES]
    upcoming = [r for r in rows if r["due_on"] and r["due_on"] >= today]
    undated = [r for r in rows if r["due_on"] is None]
    assert overdue and upcoming and undated


async def test_it_fills_the_search_projection_as_the_app_would(engine: RapportEngine, tiny: dict[str, int]) -> None:
    columns = "followers_total, engagement_bp, tier, platforms, search_text"
    sample = await _fetch(engine, f"SELECT id, {columns} FROM creator ORDER BY id LIMIT 40")
    for before in sample:
        await refresh_creator_projection(before["id"])
        after = await _fetch(engine, f"SELECT id, {columns} FROM creator WHERE id = $1", before["id"])
        assert after[0]["followers_total"] == before["followers_total"]
        assert after[0]["engagement_bp"] == before["engagement_bp"]
        assert after[0]["tier"] == before["tier"]
        assert sorted(after[0]["platforms"]) == sorted(before["platforms"])
        # The handles are joined in no particular order: compare the words.
        assert sorted(after[0]["search_text"].split()) == sorted(before["search_text"].split())
    tiers = {row["tier"] for row in await _fetch(engine, "SELECT DISTINCT tier FROM creator")}
    assert {"nano", "micro", "macro"} <= tiers
    platforms = await _value(engine, "SELECT count(DISTINCT provider) FROM social_identity")
    assert platforms >= 4
    no_account = await _value(
        engine,
        "SELECT count(*) FROM creator c WHERE NOT EXISTS (SELECT 1 FROM social_identity s WHERE s.creator = c.id)",
    )
    assert no_account == 0


async def test_it_keeps_prospects_visible_only_through_a_relationship(
    engine: RapportEngine, tiny: dict[str, int]
) -> None:
    orphans = await _value(
        engine,
        """
        SELECT count(*) FROM creator c WHERE c.source = 'prospect'
        AND NOT EXISTS (SELECT 1 FROM relationship r WHERE r.creator = c.id)
        """,
    )
    assert orphans == 0
    stages = {row["stage"] for row in await _fetch(engine, "SELECT DISTINCT stage FROM relationship")}
    assert {"prospect", "contacted", "active"} <= stages


async def test_it_gives_the_same_data_for_the_same_seed(engine: RapportEngine) -> None:
    fingerprint = """
        SELECT md5(string_agg(concat_ws(',', id, collaboration, creator, status, due_on, platform), ';' ORDER BY id))
        FROM deliverable
    """
    await generate(engine.dsn, TINY, progress=lambda line: None)
    first = await _value(engine, fingerprint)
    await generate(engine.dsn, TINY, progress=lambda line: None)
    assert await _value(engine, fingerprint) == first
