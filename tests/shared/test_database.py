import asyncpg
import pytest

from shared.audit.context import system_actor
from shared.db.engine import RapportEngine
from shared.db.migrate import pending_migrations, unmigrated_changes
from shared.db.tables import AuditLog, Brand
from shared.db.transactions import atomic, on_commit
from shared.identity.actions import do_create_staff_user


async def test_it_has_applied_every_migration(engine: RapportEngine) -> None:
    assert await pending_migrations(engine) == []


async def test_it_has_a_migration_for_every_table_change() -> None:
    assert await unmigrated_changes() == []


async def test_it_refuses_to_change_or_delete_audit_rows(engine: RapportEngine) -> None:
    await do_create_staff_user(system_actor(), email="a@x.test", name="A", password=None)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await AuditLog.update({AuditLog.action: "tampered"}, force=True)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await AuditLog.delete(force=True)
    assert await AuditLog.count() == 1


async def test_it_runs_side_effects_only_after_commit(engine: RapportEngine) -> None:
    sent: list[str] = []

    async def send() -> None:
        sent.append("email")

    with pytest.raises(RuntimeError):
        async with atomic():
            await Brand.insert(Brand(name="Doomed", slug="doomed"))
            on_commit(send)
            raise RuntimeError("boom")
    assert sent == []
    assert not await Brand.exists().where(Brand.slug == "doomed")

    async with atomic():
        await Brand.insert(Brand(name="Kept", slug="kept"))
        on_commit(send)
        assert sent == []  # not yet: still inside the transaction
    assert sent == ["email"]


async def test_it_refuses_on_commit_outside_a_transaction() -> None:
    async def noop() -> None:
        return None

    with pytest.raises(RuntimeError, match="outside atomic"):
        on_commit(noop)
