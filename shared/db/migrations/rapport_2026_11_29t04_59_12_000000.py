from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T04:59:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "rights_entry is append-only"

# The rights ledger is the record of what the brand may use: grants, extensions and revocations are new rows,
# never edits. TRUNCATE (an administrator's whole-table reset, the tests' clean slate) stays possible.
SQL = """
CREATE FUNCTION rights_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rights_entry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER rights_entry_append_only BEFORE UPDATE OR DELETE ON rights_entry
    FOR EACH ROW EXECUTE FUNCTION rights_entry_append_only();
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
