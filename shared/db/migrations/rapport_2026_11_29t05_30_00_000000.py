from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "post_metric: the latest reading of a post by index"

# The results page reads each post's latest reading (ORDER BY read_at DESC, id DESC LIMIT 1): with this index that
# is one index probe per post instead of sorting every reading (bench/results_bench.py, docs/performance.md).
SQL = """
CREATE INDEX post_metric_latest ON post_metric (live_post, read_at DESC, id DESC);
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    async def back():
        await get_engine().execute_script("DROP INDEX IF EXISTS post_metric_latest;")

    manager.add_raw(run)
    manager.add_raw_backwards(back)
    return manager
