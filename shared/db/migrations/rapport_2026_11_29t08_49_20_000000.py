from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T08:49:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "tax_profile: signed forms are never rewritten; one current form per creator"

# A tax form is signed under penalties of perjury: the database refuses to change what was certified or to remove
# a row. The one change allowed is superseding (superseded_at set once, when a new form replaces it). A partial
# unique index makes "one current form per creator" the database's rule.
SQL = """
CREATE FUNCTION tax_profile_signed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.superseded_at IS NULL AND NEW.superseded_at IS NOT NULL
       AND (to_jsonb(NEW) - 'superseded_at') = (to_jsonb(OLD) - 'superseded_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'tax_profile rows are signed: % refused (file a new form instead)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER tax_profile_signed BEFORE UPDATE OR DELETE ON tax_profile
    FOR EACH ROW EXECUTE FUNCTION tax_profile_signed();
CREATE UNIQUE INDEX tax_profile_one_current ON tax_profile (creator) WHERE superseded_at IS NULL;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
