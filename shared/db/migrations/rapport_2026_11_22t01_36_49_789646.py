from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-22T01:36:49:789646"
VERSION = "1.38.0"
DESCRIPTION = "board by campaign index, engagement index, finer statistics for follower and engagement tails"

# Each of these was found by bench/query_bench.py at 100,000 creators and 1,000,000 deliverables
# (EXPLAIN in docs/performance.md).
SQL = """
-- The board narrowed to one campaign (`brand = $1 AND campaign = $2 ORDER BY due_on, id LIMIT n`)
-- walks this index and stops after a page. With only (brand, due_on, id) the planner walked the
-- brand's deliverables by date and filtered on the campaign: a campaign's dates are clustered, so
-- a busy one skipped 100,000+ rows first (250 ms; 0.5 ms with this index).
CREATE INDEX deliverable_campaign_due ON deliverable (campaign, due_on, id);

-- The roster's engagement-rate range: a rare range (25%+) read the whole creator table.
CREATE INDEX creator_engagement ON creator (engagement_bp);

-- Follower counts and engagement rates are log-normal. The default histogram (100 buckets) puts
-- the whole top 1% in one bucket and overestimates a rare tail ("5M+ followers") tenfold, so the
-- planner walked the roster's name-order index expecting matches that came 67,000 rows later
-- (100-190 ms). Finer statistics give the right estimate and an index lookup plus a small sort.
ALTER TABLE creator ALTER COLUMN followers_total SET STATISTICS 1000;
ALTER TABLE creator ALTER COLUMN engagement_bp SET STATISTICS 1000;
ANALYZE creator;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
