from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "content library indexes"

# The library lists a brand's approved and live deliverables newest first (shared.rights.queries.list_library):
# without this partial index the scan walks every newer deliverable of every brand and status first (bench:
# 143,000 rows for a page of 24 at 1,000,000 deliverables). The GIN index lets "usable now for <channel>" find
# the few grants of a rare channel without reading the whole ledger. Piccolo cannot declare either, hence SQL.
SQL = """
CREATE INDEX IF NOT EXISTS deliverable_library ON deliverable (brand, id DESC)
    WHERE status IN ('approved', 'live', 'verified');
CREATE INDEX IF NOT EXISTS rights_entry_channels ON rights_entry USING gin (channels);
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
