"""Schema management: apply migrations, report pending ones, and catch tables changed without one."""

from __future__ import annotations

import contextlib
import io

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from shared.db.engine import RapportEngine
from shared.db.piccolo_app import APP_CONFIG


class MigrationError(RuntimeError):
    pass


async def apply_migrations(engine: RapportEngine) -> list[str]:
    """Bring the database up to date: our tables (Piccolo) and the job queue's (procrastinate).

    Returns the ids of the migrations it ran (empty when the database was up to date). Piccolo's own
    report is kept out of the console: it counts every migration on disk as "already complete", even
    on a new database about to run them all; `migration_summary` says what really happened.
    """
    to_run = await pending_migrations(engine)
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        result = await run_forwards(app_name=APP_CONFIG.app_name)
    if not result.success:
        raise MigrationError(f"Migrations failed: {result.message}\n{report.getvalue()}")
    await apply_job_queue_schema(engine)
    return to_run


def migration_summary(ran: list[str]) -> str:
    """One line for the console about what apply_migrations did."""
    total = len(migration_ids_on_disk())
    if not ran:
        return f"Database is up to date ({total} migration{'s' if total != 1 else ''})."
    if len(ran) == total:
        return f"New database: ran all {total} migration{'s' if total != 1 else ''}."
    already = total - len(ran)
    return f"Ran {len(ran)} new migration{'s' if len(ran) != 1 else ''} ({', '.join(ran)}); {already} had already run."


async def apply_job_queue_schema(engine: RapportEngine) -> None:
    from procrastinate.schema import SchemaManager

    rows = await engine.fetch("SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present")
    if not rows[0]["present"]:
        await engine.execute_script(SchemaManager.get_schema())


def migration_ids_on_disk() -> list[str]:
    manager = BaseMigrationManager()
    modules = manager.get_migration_modules(APP_CONFIG.resolved_migrations_folder_path)
    return manager.get_migration_ids(modules)


async def pending_migrations(engine: RapportEngine) -> list[str]:
    """Migration ids on disk that the database has not run yet."""
    on_disk = migration_ids_on_disk()
    present = await engine.fetch("SELECT to_regclass('migration') IS NOT NULL AS present")
    if not present[0]["present"]:
        return on_disk
    rows = await engine.fetch("SELECT name FROM migration WHERE app_name = $1", APP_CONFIG.app_name)
    done = {row["name"] for row in rows}
    return [migration_id for migration_id in on_disk if migration_id not in done]


async def unmigrated_changes() -> list[str]:
    """SQL that a new migration would need: empty when the tables match the migrations."""
    # Piccolo prints a summary table while diffing; keep the command's output to the verdict.
    with contextlib.redirect_stdout(io.StringIO()):
        alter_statements = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=APP_CONFIG)
    return [statement for group in alter_statements for statement in group.statements]
