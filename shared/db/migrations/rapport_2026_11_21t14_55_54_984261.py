from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from shared.db.engine import get_engine

ID = "2026-11-21T14:55:54:984261"
VERSION = "1.38.0"
DESCRIPTION = "search indexes, board indexes, published briefs are immutable"

SQL = """
-- Roster search: name or handle, fuzzy (trigram); filters on arrays.
CREATE INDEX creator_search_text_trgm ON creator USING gin (search_text gin_trgm_ops);
CREATE INDEX creator_platforms_gin ON creator USING gin (platforms);
CREATE INDEX creator_niches_gin ON creator USING gin (niches);
CREATE INDEX creator_roster_order ON creator (lower(display_name), id);
CREATE INDEX relationship_brand_stage ON relationship (brand, stage);
CREATE INDEX relationship_tags_gin ON relationship USING gin (tags);
CREATE INDEX relationship_event_timeline ON relationship_event (brand, creator, occurred_at DESC, id DESC);

-- Deliverables board: by brand (and campaign), status and due date, keyset on (due_on, id).
CREATE INDEX deliverable_board ON deliverable (brand, due_on, id);
CREATE INDEX deliverable_board_status ON deliverable (brand, status, due_on, id);
CREATE INDEX deliverable_creator_due ON deliverable (creator, due_on, id);

CREATE INDEX collaboration_creator_status ON collaboration (creator, status);
CREATE INDEX message_thread ON message (collaboration, id);
CREATE INDEX notification_recipient ON notification (recipient_kind, recipient_id, id DESC);
CREATE INDEX notification_unsent_email ON notification (id) WHERE emailed_at IS NULL AND email_to <> '';

-- A published brief is what creators agreed to: it can never change afterwards.
CREATE OR REPLACE FUNCTION rapport_published_brief_is_immutable() RETURNS trigger AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'brief version % is published and cannot change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER brief_version_published_immutable
    BEFORE UPDATE OR DELETE ON brief_version
    FOR EACH ROW EXECUTE FUNCTION rapport_published_brief_is_immutable();
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rapport", description=DESCRIPTION)

    async def run():
        await get_engine().execute_script(SQL)

    manager.add_raw(run)
    return manager
