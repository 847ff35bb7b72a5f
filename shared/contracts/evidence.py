"""The evidence trail: append-only, hash-chained contract events.

Each event's hash = SHA-256(previous hash + canonical JSON of the event), the first event chaining
from 64 zeros; the contract row keeps the head. The table refuses UPDATE and DELETE (a trigger,
migration 2026-11-29T02:52:40); `verify_chain` recomputes every hash for whoever got around it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.db.rows import jsonb

GENESIS = "0" * 64
EVENT_KINDS = (
    "created",
    "sent",
    "viewed",
    "consented",
    "signed",
    "countersigned",
    "executed",
    "declined",
    "voided",
    "expired",
    "downloaded",
    "reminded",
)


def canonical_json(event: Mapping[str, Any]) -> str:
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_body(
    *,
    contract_id: int,
    seq: int,
    kind: str,
    actor_kind: str,
    actor_id: int | None,
    actor_label: str,
    ip: str,
    user_agent: str,
    at: dt.datetime,
    data: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "contract": contract_id,
        "seq": seq,
        "kind": kind,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "actor_label": actor_label,
        "ip": ip,
        "user_agent": user_agent,
        "at": _at_text(at),
        "data": dict(data),
    }


def chain_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode()).hexdigest()


async def append_event(
    contract_id: int, kind: str, actor: Actor, *, user_agent: str = "", data: Mapping[str, Any] | None = None
) -> str:
    """Add an event to the contract's chain (call inside the action's transaction, with the contract row
    locked); returns the new chain head, which is also stored on the contract."""
    engine = get_engine()
    last = await engine.fetch(
        "SELECT seq, hash FROM contract_event WHERE contract = $1 ORDER BY seq DESC LIMIT 1", contract_id
    )
    seq, prev = (int(last[0]["seq"]) + 1, last[0]["hash"]) if last else (1, GENESIS)
    # Microseconds survive the round trip through timestamptz, so the stored row re-hashes the same.
    at = dt.datetime.now(dt.UTC)
    actor_id = int(actor.id) if isinstance(actor.id, int) else None
    body = event_body(
        contract_id=contract_id,
        seq=seq,
        kind=kind,
        actor_kind=actor.kind,
        actor_id=actor_id,
        actor_label=actor.label,
        ip=actor.ip or "",
        user_agent=user_agent[:500],
        at=at,
        data=data or {},
    )
    digest = chain_hash(prev, body)
    await engine.fetch(
        """
        INSERT INTO contract_event (contract, seq, kind, actor_kind, actor_id, actor_label, ip, user_agent, at, data,
                                    prev_hash, hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
        """,
        contract_id,
        seq,
        kind,
        actor.kind,
        actor_id,
        actor.label,
        body["ip"],
        body["user_agent"],
        at,
        canonical_json(body["data"]),
        prev,
        digest,
    )
    await engine.fetch("UPDATE contract SET chain_head = $2 WHERE id = $1", contract_id, digest)
    return digest


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    actor_kind: str
    actor_label: str
    ip: str
    user_agent: str
    at: dt.datetime
    data: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    events: int
    problem: str = ""  # which row broke the chain, when it is broken


async def contract_events(contract_id: int) -> list[Event]:
    rows = await get_engine().fetch(
        "SELECT seq, kind, actor_kind, actor_label, ip, user_agent, at, data, hash FROM contract_event "
        "WHERE contract = $1 ORDER BY seq",
        contract_id,
    )
    return [
        Event(
            int(r["seq"]),
            r["kind"],
            r["actor_kind"],
            r["actor_label"],
            r["ip"],
            r["user_agent"],
            r["at"],
            jsonb(r["data"]),
            r["hash"],
        )
        for r in rows
    ]


async def verify_chain(contract_id: int) -> ChainCheck:
    """Recompute every hash from the stored rows; the last must equal the contract's chain head."""
    engine = get_engine()
    rows = await engine.fetch("SELECT * FROM contract_event WHERE contract = $1 ORDER BY seq", contract_id)
    head_rows = await engine.fetch("SELECT chain_head FROM contract WHERE id = $1", contract_id)
    prev = GENESIS
    for index, row in enumerate(rows, start=1):
        body = event_body(
            contract_id=int(row["contract"]),
            seq=int(row["seq"]),
            kind=row["kind"],
            actor_kind=row["actor_kind"],
            actor_id=row["actor_id"],
            actor_label=row["actor_label"],
            ip=row["ip"],
            user_agent=row["user_agent"],
            at=row["at"],
            data=jsonb(row["data"]),
        )
        if int(row["seq"]) != index or row["prev_hash"] != prev or chain_hash(prev, body) != row["hash"]:
            return ChainCheck(False, len(rows), f"event {row['seq']} ({row['kind']}) does not match its hash")
        prev = row["hash"]
    head = head_rows[0]["chain_head"] if head_rows else ""
    if rows and head != prev:
        return ChainCheck(False, len(rows), "the contract's chain head is not the last event")
    return ChainCheck(True, len(rows))
