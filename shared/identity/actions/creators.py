"""Creating a creator with their linked social accounts (demo data, imports)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.creators.projection import refresh_creator_projection
from shared.db.tables import Creator, SocialIdentity
from shared.db.transactions import atomic
from shared.errors import InvalidInput
from shared.identity.actions.common import _now, normalise_email


@dataclass(frozen=True)
class SocialAccount:
    provider: str
    subject: str
    handle: str
    followers: int | None
    engagements_per_post: int | None = None
    source: str = ""


async def do_create_creator(
    actor: Actor,
    *,
    display_name: str,
    email: str | None,
    country: str | None,
    niches: Sequence[str],
    accounts: Sequence[SocialAccount],
    bio: str = "",
) -> Creator:
    """Create a creator with their linked social accounts; one social account belongs to one creator."""
    if not display_name.strip():
        raise InvalidInput({"display_name": "Enter the creator's name."})
    async with atomic():
        creator = Creator(
            display_name=display_name.strip(),
            email=normalise_email(email) if email else None,
            country=country.upper() if country else None,
            niches=list(niches),
            bio=bio,
            # Created with a complete profile (demo data, imports): nothing left to onboard.
            onboarded_at=_now(),
        )
        try:
            await creator.save()
            now = _now()
            for account in accounts:
                await SocialIdentity.insert(
                    SocialIdentity(
                        creator=creator.id,
                        provider=account.provider,
                        subject=account.subject,
                        handle=account.handle,
                        followers=account.followers,
                        followers_read_at=now,
                        followers_source=account.source or account.provider,
                        engagements_per_post=account.engagements_per_post,
                    )
                )
        except asyncpg.UniqueViolationError as exc:
            raise InvalidInput("That email or social account already belongs to another creator.") from exc
        await refresh_creator_projection(int(creator.id))
        await write_audit_row(
            actor,
            "creator.created",
            "creator",
            creator.id,
            after={"display_name": creator.display_name, "accounts": [a.provider for a in accounts]},
        )
    return creator
