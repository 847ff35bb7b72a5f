from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T02:52:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "contract_event is append-only"

# The evidence trail of a contract is only evidence if nobody can rewrite it: the database itself
# refuses to change or remove a row (TRUNCATE, an administrator's whole-table reset, stays possible). Verification (shared.contracts.evidence) still
# recomputes the hash chain, for whoever disables the trigger.
SQL = """
CREATE FUNCTION contract_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'contract_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER contract_event_append_only BEFORE UPDATE OR DELETE ON contract_event
    FOR EACH ROW EXECUTE FUNCTION contract_event_append_only();
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
