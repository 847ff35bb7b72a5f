"""The Piccolo app holding every Rapport table and the migrations folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig, table_finder

APP_CONFIG = AppConfig(
    app_name="rapport",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=table_finder(modules=["shared.db.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
