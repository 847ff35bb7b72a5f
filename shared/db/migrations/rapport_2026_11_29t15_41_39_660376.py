from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T15:41:39:660376"
VERSION = "1.38.0"
DESCRIPTION = "notification email claim lease"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="rapport", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Notification",
        tablename="notification",
        column_name="email_claimed_at",
        db_column_name="email_claimed_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
