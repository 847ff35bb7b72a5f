from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-21T12:24:13:274415"
VERSION = "1.38.0"
DESCRIPTION = "audit log is append-only; pg_trgm for fuzzy search"

# The audit log is evidence: once written, a row can never be changed or removed, even by
# code that has a bug. Corrections are new rows.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION rapport_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION rapport_refuse_change();
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script("CREATE EXTENSION IF NOT EXISTS pg_trgm;" + APPEND_ONLY)

    manager.add_raw(run)
    return manager
