from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-29T10:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rights_channel_span kept by a trigger on rights_entry"

# "Usable now for <channel>" walks a brand's assets newest first and stops at a page; for a channel almost no asset
# has, it walked them all before answering an empty page (bench/rights_bench.py: out-of-home, 480-820 ms at
# 3,000,000 entries). The planner can't know a channel is rare (array element statistics give any value missing
# from the common ones a default share), so the library asks this per-brand summary first. A statement-level
# trigger keeps it from each INSERT's new rows at once (bulk inserts cost one upsert per brand and channel, not per
# row); the ledger is append-only, so inserts are the only change. TRUNCATE of the ledger (tests, the bench's
# --regrant) empties it too.
SQL = """
CREATE FUNCTION rights_channel_span_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rights_channel_span (brand, channel, last_ends_on)
    SELECT n.brand, c.channel, max(coalesce(n.ends_on, 'infinity'::date))
    FROM inserted n CROSS JOIN LATERAL unnest(n.channels) AS c(channel)
    WHERE n.kind IN ('grant', 'extend')
    GROUP BY n.brand, c.channel
    ON CONFLICT (brand, channel)
        DO UPDATE SET last_ends_on = greatest(rights_channel_span.last_ends_on, excluded.last_ends_on);
    RETURN NULL;
END;
$$;
CREATE TRIGGER rights_channel_span_keep AFTER INSERT ON rights_entry
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION rights_channel_span_keep();

CREATE FUNCTION rights_channel_span_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- DELETE, not TRUNCATE: a TRUNCATE naming both tables (the tests' clean slate) is still using this one.
    DELETE FROM rights_channel_span;
    RETURN NULL;
END;
$$;
CREATE TRIGGER rights_channel_span_clear AFTER TRUNCATE ON rights_entry
    FOR EACH STATEMENT EXECUTE FUNCTION rights_channel_span_clear();

INSERT INTO rights_channel_span (brand, channel, last_ends_on)
SELECT e.brand, c.channel, max(coalesce(e.ends_on, 'infinity'::date))
FROM rights_entry e CROSS JOIN LATERAL unnest(e.channels) AS c(channel)
WHERE e.kind IN ('grant', 'extend')
GROUP BY e.brand, c.channel
ON CONFLICT (brand, channel) DO NOTHING;
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
