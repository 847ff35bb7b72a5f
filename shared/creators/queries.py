"""Read-only creator queries. get_* raise NotFound; list_* return many."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.db.engine import get_engine
from shared.db.tables import AuditLog, Creator, SocialIdentity
from shared.errors import NotFound

# Columns a creator may see about their own linked accounts: never the tokens.
ACCOUNT_COLUMNS = (
    SocialIdentity.id,
    SocialIdentity.provider,
    SocialIdentity.subject,
    SocialIdentity.handle,
    SocialIdentity.followers,
    SocialIdentity.followers_read_at,
    SocialIdentity.followers_source,
    SocialIdentity.engagements_per_post,
    SocialIdentity.profile_url,
    SocialIdentity.scopes,
    SocialIdentity.status,
    SocialIdentity.token_expires_at,
    SocialIdentity.last_refreshed_at,
    SocialIdentity.created_at,
)


@dataclass(frozen=True)
class CreatorContext:
    """A signed-in creator: what guards and the portal's frame need on every request."""

    id: int
    display_name: str
    email: str | None
    onboarded: bool
    time_zone: str = ""  # IANA; '' reads as UTC


async def get_creator_context(creator_id: int) -> CreatorContext:
    """The creator behind a session; NotFound when missing or deleted (the session then ends).

    Runs on every portal request, so it is plain SQL, as get_staff_context is: the query builder cost more
    CPU than the database spent answering (bench/http_bench.py --profile, docs/performance.md)."""
    return creator_context_from_rows(await get_engine().fetch(CREATOR_CONTEXT_SQL, creator_id))


# The creator ($1); shared.web.frame adds the header's unread count to it.
CREATOR_CONTEXT_SQL = (
    "SELECT id, display_name, email, onboarded_at IS NOT NULL AS onboarded, time_zone FROM creator"
    " WHERE id = $1 AND deleted_at IS NULL"
)


def creator_context_from_rows(rows: list[dict[str, Any]]) -> CreatorContext:
    """CreatorContext from CREATOR_CONTEXT_SQL's row; NotFound when missing or deleted."""
    if not rows:
        raise NotFound("No such creator.")
    row = rows[0]
    return CreatorContext(row["id"], row["display_name"], row["email"], row["onboarded"], row["time_zone"])


async def get_creator_profile(creator_id: int) -> dict[str, Any]:
    """Everything on the creator's own profile; NotFound when missing or deleted."""
    row = await Creator.select().where((Creator.id == creator_id) & Creator.deleted_at.is_null()).first()
    if row is None:
        raise NotFound("No such creator.")
    return dict(row)


async def list_linked_accounts(creator_id: int) -> list[dict[str, Any]]:
    """The creator's linked social accounts (without tokens), oldest first, in one query."""
    return await (
        SocialIdentity.select(*ACCOUNT_COLUMNS)
        .where(SocialIdentity.creator == creator_id)
        .order_by(SocialIdentity.created_at)
        .order_by(SocialIdentity.id)
    )


async def list_audit_rows_about_creator(creator_id: int) -> list[dict[str, Any]]:
    """Audit rows where the creator acted or was the subject, oldest first."""
    return await (
        AuditLog.select(
            AuditLog.occurred_at,
            AuditLog.actor_kind,
            AuditLog.action,
            AuditLog.subject_type,
            AuditLog.subject_id,
            AuditLog.before,
            AuditLog.after,
            AuditLog.ip,
        )
        .where(
            ((AuditLog.subject_type == "creator") & (AuditLog.subject_id == str(creator_id)))
            | ((AuditLog.actor_kind == "creator") & (AuditLog.actor_id == creator_id))
        )
        .order_by(AuditLog.id)
    )


@dataclass(frozen=True)
class RefreshDue:
    identity_id: int
    provider: str
    refresh_token_enc: str


async def list_identities_due_for_refresh(*, expiring_before: dt.datetime, limit: int = 100) -> list[RefreshDue]:
    """Active identities with a refresh token whose access token expires before the given time."""
    rows = await (
        SocialIdentity.select(SocialIdentity.id, SocialIdentity.provider, SocialIdentity.refresh_token_enc)
        .where(
            (SocialIdentity.status == "active")
            & SocialIdentity.refresh_token_enc.is_not_null()
            & SocialIdentity.token_expires_at.is_not_null()
            & (SocialIdentity.token_expires_at < expiring_before)
        )
        .order_by(SocialIdentity.token_expires_at)
        .limit(limit)
    )
    return [RefreshDue(row["id"], row["provider"], row["refresh_token_enc"]) for row in rows]


async def get_creator_id_by_email(email: str) -> int:
    """The (not deleted) creator with this email; NotFound otherwise."""
    row = (
        await Creator.select(Creator.id)
        .where((Creator.email == email.strip().lower()) & Creator.deleted_at.is_null())
        .first()
    )
    if row is None:
        raise NotFound("No creator with that email.")
    return int(row["id"])
