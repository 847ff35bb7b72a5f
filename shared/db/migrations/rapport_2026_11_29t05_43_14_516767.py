from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date

ID = "2026-11-29T05:43:14:516767"
VERSION = "1.38.0"
DESCRIPTION = "index deliverable.live_due for the calendar"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="rapport", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Deliverable",
        tablename="deliverable",
        column_name="live_due",
        db_column_name="live_due",
        params={"index": True},
        old_params={"index": False},
        column_class=Date,
        old_column_class=Date,
        schema=None,
    )

    return manager
