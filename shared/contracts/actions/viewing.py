"""The creator's first viewing and either party's downloads, each kept as evidence."""

from __future__ import annotations

from dataclasses import dataclass

from shared.audit.context import Actor
from shared.contracts.actions.common import _locked_for_creator
from shared.contracts.evidence import append_event
from shared.contracts.queries import ContractRow
from shared.contracts.rules import Status
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import NotFound
from shared.integrations.storage import Storage


async def do_record_view(actor: Actor, creator_id: int, *, contract_id: int, user_agent: str = "") -> None:
    """The creator opened the contract: the first opening after it was sent is evidence."""
    async with atomic():
        row = await _locked_for_creator(contract_id, creator_id)
        if row["status"] != Status.SENT:
            return
        seen = await get_engine().fetch(
            "SELECT 1 FROM contract_event WHERE contract = $1 AND kind = 'viewed' LIMIT 1", contract_id
        )
        if not seen:
            await append_event(contract_id, "viewed", actor, user_agent=user_agent)


async def do_record_download(
    actor: Actor, contract_id: int, *, which: str, user_agent: str = "", creator_id: int | None = None
) -> None:
    async with atomic():
        rows = await get_engine().fetch("SELECT id, creator FROM contract WHERE id = $1 FOR UPDATE", contract_id)
        if not rows or (creator_id is not None and rows[0]["creator"] != creator_id):
            raise NotFound("No such contract.")
        await append_event(contract_id, "downloaded", actor, user_agent=user_agent, data={"file": which})


@dataclass(frozen=True)
class ContractFile:
    """The PDF a party downloads: the executed one once there is one, else the document to sign."""

    data: bytes
    filename: str


async def do_download_contract(
    actor: Actor,
    contract: ContractRow,
    storage: Storage,
    *,
    user_agent: str = "",
    creator_id: int | None = None,
) -> ContractFile:
    """Read the contract's current PDF from storage and record the download in its evidence trail."""
    executed = bool(contract.executed_key)
    data = await storage.get_bytes(contract.executed_key or contract.document_key)
    await do_record_download(
        actor,
        contract.id,
        which="executed" if executed else "document",
        user_agent=user_agent,
        creator_id=creator_id,
    )
    return ContractFile(data, f"{contract.reference}{'-executed' if executed else ''}.pdf")
