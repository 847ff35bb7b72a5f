from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey
from piccolo.constraints import Unique

ID = "2026-11-29T09:01:30:513850"
VERSION = "1.38.0"
DESCRIPTION = "live_post: one per (deliverable, url)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="rapport", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="LivePost",
        tablename="live_post",
        column_name="deliverable",
        db_column_name="deliverable",
        params={"unique": False, "index": True},
        old_params={"unique": True, "index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.add_constraint(
        table_class_name="LivePost",
        tablename="live_post",
        constraint_name="unique_deliverable_url",
        constraint_class=Unique,
        params={"columns": ["deliverable", "url"], "nulls_distinct": True},
        schema=None,
    )

    return manager
