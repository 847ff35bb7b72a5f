"""Creator actions: each is one transaction that writes its audit row.

Sign-in finds the creator by the provider's (provider, subject) pair — never by email, because
an email claim from one provider proves nothing about an account created through another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import asyncpg

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.contracts.queries import creator_contracts_export
from shared.creators.export import build_export_zip
from shared.creators.projection import refresh_creator_projection
from shared.creators.queries import list_audit_rows_about_creator, list_linked_accounts
from shared.creators.rules import can_unlink, display_name_from_claims, validate_onboarding
from shared.crypto import Encryptor
from shared.db.tables import Creator, SocialIdentity
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.sessions import revoke_sessions
from shared.integrations.oauth import ExternalIdentity, TokenSet

DELETED_NAME = "Deleted creator"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class SignIn:
    creator_id: int
    created: bool
    onboarded: bool


def _handle(identity: ExternalIdentity) -> str:
    handle = identity.preferred_username or (identity.email.split("@", 1)[0] if identity.email else identity.subject)
    return handle[:100]


def _token_columns(tokens: TokenSet, encryptor: Encryptor) -> dict[str, object]:
    return {
        "access_token_enc": encryptor.encrypt(tokens.access_token) if tokens.access_token else None,
        "refresh_token_enc": encryptor.encrypt(tokens.refresh_token) if tokens.refresh_token else None,
        "token_expires_at": tokens.expires_at,
        "scopes": tokens.scopes[:500],
        "status": "active",
        "last_refreshed_at": _now(),
    }


async def _store_tokens(identity_id: int, tokens: TokenSet, encryptor: Encryptor) -> None:
    columns = _token_columns(tokens, encryptor)
    await SocialIdentity.update({getattr(SocialIdentity, name): value for name, value in columns.items()}).where(
        SocialIdentity.id == identity_id
    )


def _followers_read(identity: ExternalIdentity) -> bool:
    # A source with no count is a read too: the account hides it (e.g. a YouTube channel).
    return identity.followers is not None or bool(identity.followers_source)


async def _store_followers(identity_id: int, identity: ExternalIdentity) -> None:
    if _followers_read(identity):
        await SocialIdentity.update(
            {
                SocialIdentity.followers: identity.followers,
                SocialIdentity.followers_read_at: _now(),
                SocialIdentity.followers_source: identity.followers_source,
            }
        ).where(SocialIdentity.id == identity_id)


def _new_identity(creator_id: int, identity: ExternalIdentity, encryptor: Encryptor) -> SocialIdentity:
    row = SocialIdentity(
        creator=creator_id,
        provider=identity.provider,
        subject=identity.subject,
        handle=_handle(identity),
        # OpenID Connect says who you are, not how many follow you: then the count stays hidden.
        followers=identity.followers,
        followers_read_at=_now() if _followers_read(identity) else None,
        followers_source=identity.followers_source,
        profile_url=identity.profile_url[:500],
    )
    for name, value in _token_columns(identity.tokens, encryptor).items():
        setattr(row, name, value)
    return row


async def do_sign_in_creator(actor: Actor, identity: ExternalIdentity, encryptor: Encryptor) -> SignIn:
    """Sign a creator in by their provider account; the first sign-in creates the creator and the link."""
    async with atomic():
        existing = (
            await SocialIdentity.select(
                SocialIdentity.id, SocialIdentity.creator.id, SocialIdentity.creator.onboarded_at
            )
            .where((SocialIdentity.provider == identity.provider) & (SocialIdentity.subject == identity.subject))
            .first()
        )
        if existing is not None:
            creator_id = int(existing["creator.id"])
            await _store_tokens(existing["id"], identity.tokens, encryptor)
            await _store_followers(existing["id"], identity)
            await refresh_creator_projection(creator_id)
            signed_in = Actor("creator", creator_id, actor.label, actor.ip, actor.request_id)
            await write_audit_row(
                signed_in, "creator.signed_in", "creator", creator_id, after={"provider": identity.provider}
            )
            return SignIn(creator_id, created=False, onboarded=existing["creator.onboarded_at"] is not None)
        email = identity.email.strip().lower() if identity.email and identity.email_verified else None
        if email and await Creator.exists().where(Creator.email == email):
            email = None  # taken by another creator: they choose during onboarding (and may link instead)
        creator = Creator(
            display_name=display_name_from_claims(
                identity.name, identity.preferred_username, identity.email, identity.subject
            ),
            email=email,
        )
        await creator.save()
        try:
            await SocialIdentity.insert(_new_identity(int(creator.id), identity, encryptor))
        except asyncpg.UniqueViolationError as exc:
            # Another request linked this account a moment ago; starting again signs in normally.
            raise InvalidInput("This account was just connected in another window. Please sign in again.") from exc
        await refresh_creator_projection(int(creator.id))
        signed_in = Actor("creator", int(creator.id), actor.label, actor.ip, actor.request_id)
        await write_audit_row(
            signed_in,
            "creator.created",
            "creator",
            creator.id,
            after={"display_name": creator.display_name, "accounts": [identity.provider], "via": "sign_in"},
        )
    return SignIn(int(creator.id), created=True, onboarded=False)


async def do_link_social_identity(
    actor: Actor, creator_id: int, identity: ExternalIdentity, encryptor: Encryptor
) -> None:
    """Link another provider account; one account belongs to at most one creator."""
    async with atomic():
        existing = (
            await SocialIdentity.select(SocialIdentity.id, SocialIdentity.creator)
            .where((SocialIdentity.provider == identity.provider) & (SocialIdentity.subject == identity.subject))
            .first()
        )
        if existing is not None and existing["creator"] != creator_id:
            raise PermissionDenied(
                "That account is already linked to another Rapport creator account. "
                "Sign in with it and unlink it there first, or use a different account."
            )
        if existing is not None:
            await _store_tokens(existing["id"], identity.tokens, encryptor)
            await _store_followers(existing["id"], identity)  # already yours: just refreshed
            await refresh_creator_projection(creator_id)
            return
        try:
            await SocialIdentity.insert(_new_identity(creator_id, identity, encryptor))
        except asyncpg.UniqueViolationError as exc:
            raise PermissionDenied("That account is already linked to another Rapport creator account.") from exc
        await refresh_creator_projection(creator_id)
        await write_audit_row(
            actor,
            "creator.account_linked",
            "creator",
            creator_id,
            after={"provider": identity.provider, "handle": _handle(identity)},
        )


async def do_unlink_social_identity(
    actor: Actor, creator_id: int, identity_id: int, *, sign_in_providers: Collection[str]
) -> None:
    """Unlink one of the creator's accounts; the last one they can sign in with stays."""
    async with atomic():
        rows = await SocialIdentity.select(SocialIdentity.id, SocialIdentity.provider, SocialIdentity.handle).where(
            SocialIdentity.creator == creator_id
        )
        target = next((row for row in rows if row["id"] == identity_id), None)
        if target is None:
            raise NotFound("No such linked account.")
        remaining = [row["provider"] for row in rows if row["id"] != identity_id]
        if not can_unlink(remaining, sign_in_providers):
            raise InvalidInput(
                "This is the only linked account you can sign in with. Link another sign-in account first."
            )
        await SocialIdentity.delete().where(SocialIdentity.id == identity_id)
        await refresh_creator_projection(creator_id)
        await write_audit_row(
            actor,
            "creator.account_unlinked",
            "creator",
            creator_id,
            before={"provider": target["provider"], "handle": target["handle"]},
        )


async def do_complete_onboarding(
    actor: Actor,
    creator_id: int,
    *,
    display_name: str,
    email: str,
    country: str,
    niches: str,
    rate: str,
    currency: str,
    wants: list[str],
    content_preferences: str,
) -> None:
    """Save the creator's profile answers; the email must not belong to another creator."""
    answers, errors = validate_onboarding(
        display_name=display_name,
        email=email,
        country=country,
        niches=niches,
        rate=rate,
        currency=currency,
        wants=wants,
        content_preferences=content_preferences,
    )
    if answers is None:
        raise InvalidInput(errors)
    async with atomic():
        creator = await Creator.objects().where((Creator.id == creator_id) & Creator.deleted_at.is_null()).first()
        if creator is None:
            raise NotFound("No such creator.")
        if await Creator.exists().where((Creator.email == answers.email) & (Creator.id != creator_id)):
            raise InvalidInput(
                {
                    "email": "Another creator account uses this email. If it is yours, sign in with that "
                    "account and link this one from Accounts."
                }
            )
        before = {
            "display_name": creator.display_name,
            "email": creator.email,
            "onboarded": creator.onboarded_at is not None,
        }
        await Creator.update(
            {
                Creator.display_name: answers.display_name,
                Creator.email: answers.email,
                Creator.country: answers.country,
                Creator.niches: answers.niches,
                Creator.rate_minor: answers.rate_minor,
                Creator.rate_currency: answers.rate_currency,
                Creator.wants: answers.wants,
                Creator.content_preferences: answers.content_preferences,
                Creator.onboarded_at: creator.onboarded_at or _now(),
            }
        ).where(Creator.id == creator_id)
        await refresh_creator_projection(creator_id)
        await write_audit_row(
            actor,
            "creator.onboarded" if creator.onboarded_at is None else "creator.profile_updated",
            "creator",
            creator_id,
            before=before,
            after={
                "display_name": answers.display_name,
                "email": answers.email,
                "country": answers.country,
                "niches": answers.niches,
                "rate_minor": answers.rate_minor,
                "rate_currency": answers.rate_currency,
                "wants": answers.wants,
            },
        )


async def do_export_creator_data(actor: Actor, creator_id: int) -> bytes:
    """A ZIP of the creator's data (profile, linked accounts without tokens, audit rows); the export is audited."""
    async with atomic():
        profile = await Creator.select().where((Creator.id == creator_id) & Creator.deleted_at.is_null()).first()
        if profile is None:
            raise NotFound("No such creator.")
        accounts = await list_linked_accounts(creator_id)
        await write_audit_row(actor, "creator.data_exported", "creator", creator_id)
        audit_rows = await list_audit_rows_about_creator(creator_id)
        contracts = await creator_contracts_export(creator_id)
    return build_export_zip(dict(profile), accounts, audit_rows, contracts)


async def do_delete_creator_account(actor: Actor, creator_id: int) -> None:
    """Anonymise the creator, remove their linked accounts and sessions; rows finance needs stay."""
    async with atomic():
        creator = await Creator.objects().where((Creator.id == creator_id) & Creator.deleted_at.is_null()).first()
        if creator is None:
            raise NotFound("No such creator.")
        linked = (
            await SocialIdentity.delete().where(SocialIdentity.creator == creator_id).returning(SocialIdentity.provider)
        )
        await Creator.update(
            {
                Creator.display_name: DELETED_NAME,
                Creator.email: None,
                Creator.country: None,
                Creator.niches: [],
                Creator.bio: "",
                Creator.open_to_offers: False,
                Creator.rate_minor: None,
                Creator.wants: [],
                Creator.content_preferences: "",
                Creator.deleted_at: _now(),
            }
        ).where(Creator.id == creator_id)
        await refresh_creator_projection(creator_id)
        await revoke_sessions(f"creator:{creator_id}")
        # The audit row records that it happened, not the personal data that was removed.
        await write_audit_row(
            actor,
            "creator.deleted",
            "creator",
            creator_id,
            after={"accounts_removed": len(linked), "anonymised": True},
        )


async def do_store_refreshed_tokens(actor: Actor, identity_id: int, tokens: TokenSet, encryptor: Encryptor) -> None:
    """Keep the renewed tokens of a linked account (encrypted) and mark it active."""
    async with atomic():
        await _store_tokens(identity_id, tokens, encryptor)
        await write_audit_row(actor, "social_identity.tokens_refreshed", "social_identity", identity_id)


async def do_mark_reconnect_needed(actor: Actor, identity_id: int, reason: str) -> None:
    """The provider refused to renew access: the creator is asked to reconnect the account."""
    async with atomic():
        rows = (
            await SocialIdentity.update({SocialIdentity.status: "reconnect_needed"})
            .where((SocialIdentity.id == identity_id) & (SocialIdentity.status == "active"))
            .returning(SocialIdentity.creator)
        )
        if rows:
            await write_audit_row(
                actor,
                "social_identity.reconnect_needed",
                "creator",
                rows[0]["creator"],
                after={"identity_id": identity_id, "reason": reason},
            )
