"""Messaging rules: who may write in a collaboration's thread, and what a message may hold. Pure functions."""

from __future__ import annotations

from typing import Literal

from shared.identity.rules import Role

BODY_MAX = 5000
# How many messages a thread page shows at once (older ones are a click away), and the offer page's box.
THREAD_PAGE_SIZE = 50
THREAD_BOX_SIZE = 5

ReaderKind = Literal["staff", "creator"]


def can_write_messages(role: Role | None) -> bool:
    """Owners, managers and reviewers speak to creators; finance and viewers read the thread only."""
    return role in (Role.OWNER, Role.MANAGER, Role.REVIEWER)


def clean_body(body: str) -> tuple[str, str]:
    """The message as it will be stored, and an error a person can act on ('' when it is fine)."""
    cleaned = body.strip()
    if not cleaned:
        return cleaned, "Write a message first."
    if len(cleaned) > BODY_MAX:
        return cleaned, (
            f"Keep a message under {BODY_MAX:,} characters (this one has {len(cleaned):,}); split it in two."
        )
    return cleaned, ""


def other_side(kind: ReaderKind) -> ReaderKind:
    """Whose messages count as unread for this reader: the other side's (your own are read by definition)."""
    return "creator" if kind == "staff" else "staff"


def excerpt(body: str, length: int = 120) -> str:
    """The start of a message on one line, for timelines and notification titles."""
    flat = " ".join(body.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"
