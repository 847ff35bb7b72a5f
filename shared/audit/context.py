"""Who is acting: carried from the request (or the CLI, or a job) into every action's audit row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal["staff", "creator", "system"]


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: int | None
    label: str
    ip: str = ""
    request_id: str = ""


def system_actor(label: str = "system") -> Actor:
    return Actor(kind="system", id=None, label=label)
