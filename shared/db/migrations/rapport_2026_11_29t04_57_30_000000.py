from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T04:57:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger is append-only and every journal balances per currency"

# The ledger is the record of money: the database itself refuses to change or remove a journal or an entry
# (corrections are reversing journals), and refuses to commit a journal whose entries do not sum to zero in
# each currency. The balance check is a deferred constraint trigger: it runs at commit, once every entry of
# the journal is in, so a journal is written entry by entry inside one transaction.
SQL = """
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_journal_append_only BEFORE UPDATE OR DELETE ON ledger_journal
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();

CREATE FUNCTION ledger_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unbalanced record;
BEGIN
    SELECT currency, sum(amount_minor) AS total INTO unbalanced
      FROM ledger_entry WHERE journal = NEW.journal GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'ledger journal % does not balance: % % left over', NEW.journal, unbalanced.total,
            unbalanced.currency USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balanced();

CREATE INDEX payable_queue ON payable (brand, status, due_on);
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
