from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T08:48:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "closed reconciliation periods refuse journals dated inside them; reconciliation indexes"

# Once finance closes a month, its books are final: the database itself refuses a journal dated inside a closed
# period of its brand, whoever writes it (shared.ledger.actions turns the refusal, SQLSTATE RPC01, into
# PeriodClosed with the same words). Periods are UTC calendar months, `ends_on` exclusive.
# The partial indexes serve the break list (a period's breaks, newest first) and the run's "ours only" query
# (the payables of a brand sent to Stripe within a period).
SQL = """
CREATE FUNCTION ledger_journal_period_open() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    closed record;
BEGIN
    SELECT starts_on INTO closed FROM reconciliation_period
     WHERE brand = NEW.brand AND state = 'closed'
       AND NEW.created_at >= (starts_on::timestamp AT TIME ZONE 'UTC')
       AND NEW.created_at < (ends_on::timestamp AT TIME ZONE 'UTC')
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'The books for % are closed: no journal may be dated inside them.',
            to_char(closed.starts_on, 'FMMonth YYYY') USING ERRCODE = 'RPC01';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER ledger_journal_period_open BEFORE INSERT ON ledger_journal
    FOR EACH ROW EXECUTE FUNCTION ledger_journal_period_open();

CREATE INDEX IF NOT EXISTS reconciliation_item_breaks ON reconciliation_item (period, id DESC)
    WHERE result <> 'matched';
CREATE INDEX IF NOT EXISTS payable_sent_to_stripe ON payable (brand, sent_at)
    WHERE stripe_transfer_id IS NOT NULL;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
