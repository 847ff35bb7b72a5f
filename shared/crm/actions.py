"""CRM actions: each is one transaction that writes its audit row (and a timeline line when it is an
interaction with the creator); emails go out only after commit.

Prospects are per brand. A brand that adds "@alice on Instagram" gets its own prospect record unless
a creator it may already see (shared.crm.queries.VISIBLE) matches, so adding a prospect never
reveals whether the person is on Rapport or on another brand's roster. For the same reason a
prospect never holds Creator.email (unique across the deployment and owned by the person who signs
in): the address staff typed lives on the CreatorInvitation that is sent to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import asyncpg

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.creators.projection import refresh_creator_projection
from shared.crm.queries import VISIBLE
from shared.crm.rules import (
    CREATOR_INVITATION_PROBLEMS,
    CREATOR_INVITATION_TTL_DAYS,
    STAGE_LABELS,
    ProspectInput,
    can_edit_roster,
    clean_email,
    creator_invitation_state,
    email_problem,
    note_problem,
    parse_tags,
    stage_problem,
    validate_prospect,
)
from shared.crm.timeline import ensure_relationship, record_interaction
from shared.crypto import hash_token, new_token
from shared.db.engine import get_engine
from shared.db.tables import Creator, CreatorInvitation, RelationshipNote, SocialIdentity
from shared.db.transactions import atomic, on_commit
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.integrations.email import Mailer, render_email


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _require_editor(staff: StaffContext, brand_id: int) -> None:
    if not can_edit_roster(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers can change the roster.")


async def _visible_source(brand_id: int, creator_id: int) -> str:
    """The creator's source ('signup' | 'prospect') when the brand may see them; NotFound otherwise."""
    rows = await get_engine().fetch(
        f"""
        SELECT c.source FROM creator c LEFT JOIN relationship r ON r.creator = c.id AND r.brand = $1
        WHERE c.id = $2 AND {VISIBLE}
        """,  # noqa: S608 (VISIBLE is a constant; values are bound parameters)
        brand_id,
        creator_id,
    )
    if not rows:
        raise NotFound("No such creator on your roster.")
    return str(rows[0]["source"])


async def _locked_relationship(brand_id: int, creator_id: int) -> dict[str, Any] | None:
    """The brand's relationship row, locked so two people editing it at once apply one after the other."""
    rows = await get_engine().fetch(
        "SELECT id, stage, owner, tags FROM relationship WHERE brand = $1 AND creator = $2 FOR UPDATE",
        brand_id,
        creator_id,
    )
    return rows[0] if rows else None


# --- prospects -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProspectAdded:
    creator_id: int
    created: bool  # a new prospect record was made (False: a creator the brand could see matched)
    already_on_roster: bool  # the match already had a relationship with the brand
    invited: str | None  # the email an invitation went to


async def do_add_prospect(
    actor: Actor,
    staff: StaffContext,
    mailer: Mailer,
    *,
    brand_id: int,
    display_name: str,
    platform: str,
    handle: str,
    email: str,
    followers: str,
    base_url: str,
) -> ProspectAdded:
    """Owners and managers add a creator by handle and/or email; a creator the brand can already see is
    reused, anyone else becomes a new prospect owned by whoever added them. An email gets a portal invitation."""
    _require_editor(staff, brand_id)
    prospect, errors = validate_prospect(
        display_name=display_name, platform=platform, handle=handle, email=email, followers=followers
    )
    if prospect is None:
        raise InvalidInput(errors)
    async with atomic():
        # Only creators this brand may already see can match: anything wider would tell the brand
        # that the handle or email exists elsewhere on Rapport.
        matches = await get_engine().fetch(
            f"""
            SELECT c.id, c.source, r.id AS relationship_id
            FROM creator c LEFT JOIN relationship r ON r.creator = c.id AND r.brand = $1
            WHERE {VISIBLE} AND (
                ($2::text IS NOT NULL AND c.email = $2)
                OR ($2::text IS NOT NULL AND r.id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM creator_invitation i WHERE i.brand = $1 AND i.creator = c.id AND i.email = $2))
                OR ($3::text IS NOT NULL AND EXISTS (
                    SELECT 1 FROM social_identity si
                    WHERE si.creator = c.id AND si.provider = $3 AND lower(si.handle) = lower($4)))
            )
            ORDER BY r.id IS NULL, c.id
            LIMIT 1
            """,  # noqa: S608 (VISIBLE is a constant; values are bound parameters)
            brand_id,
            prospect.email,
            prospect.platform,
            prospect.handle,
        )
        if matches and matches[0]["relationship_id"] is not None:
            return ProspectAdded(int(matches[0]["id"]), created=False, already_on_roster=True, invited=None)
        if matches:
            creator_id, created, source = int(matches[0]["id"]), False, str(matches[0]["source"])
        else:
            creator_id, created, source = await _create_prospect(brand_id, prospect), True, "prospect"
        await get_engine().fetch(
            """
            INSERT INTO relationship (brand, creator, stage, owner, tags, created_at, last_interaction_at)
            VALUES ($1, $2, 'prospect', $3, '{}', now(), now())
            """,
            brand_id,
            creator_id,
            staff.id,
        )
        after = {
            "creator_id": creator_id,
            "display_name": prospect.display_name,
            "platform": prospect.platform,
            "handle": prospect.handle,
            "email": prospect.email,
            "new_prospect": created,
            "stage": "prospect",
            "owner_id": staff.id,
        }
        await write_audit_row(actor, "prospect.added", "creator", creator_id, brand_id=brand_id, after=after)
        await record_interaction(
            brand_id,
            creator_id,
            kind="prospect.added",
            summary=f"Added to the roster by {staff.name}",
            actor_label=staff.name,
        )
        invited = None
        # A creator who signed up is already in the portal; only a prospect needs the invitation.
        if prospect.email and source == "prospect":
            await _send_invitation(actor, staff, mailer, brand_id, creator_id, prospect.email, base_url)
            invited = prospect.email
    return ProspectAdded(creator_id, created=created, already_on_roster=False, invited=invited)


async def _create_prospect(brand_id: int, prospect: ProspectInput) -> int:
    creator = Creator(display_name=prospect.display_name, source="prospect", email=None)
    await creator.save()
    if prospect.handle and prospect.platform:
        # SocialIdentity.subject is unique per provider and is the platform's account id, which a
        # handle typed by staff is not. The placeholder subject is scoped to the brand, so two brands
        # can each add the same handle without seeing each other; it is dropped when the prospect
        # joins and links their real account.
        subject = f"prospect:{brand_id}:{prospect.handle.lower()}"
        try:
            await SocialIdentity.insert(
                SocialIdentity(
                    creator=creator.id,
                    provider=prospect.platform,
                    subject=subject,
                    handle=prospect.handle,
                    followers=prospect.followers,
                    followers_read_at=_now() if prospect.followers is not None else None,
                    followers_source="staff" if prospect.followers is not None else "",
                )
            )
        except asyncpg.UniqueViolationError as exc:
            # Two people adding the same handle at once: the whole addition rolls back.
            raise InvalidInput({"handle": "Someone just added this handle; reload the roster to find them."}) from exc
    await refresh_creator_projection(int(creator.id))
    return int(creator.id)


# --- relationship changes --------------------------------------------------------------------------


async def do_change_stage(actor: Actor, staff: StaffContext, *, brand_id: int, creator_id: int, stage: str) -> None:
    """Owners and managers move a relationship along prospect → contacted → negotiating → active → alumni,
    or pause it; only the moves in shared.crm.rules.STAFF_MOVES are allowed."""
    _require_editor(staff, brand_id)
    async with atomic():
        await _visible_source(brand_id, creator_id)
        current = await _locked_relationship(brand_id, creator_id)
        before = str(current["stage"]) if current else None
        if problem := stage_problem(before, stage):
            raise InvalidInput({"stage": problem})
        relationship_id = (
            int(current["id"]) if current else await ensure_relationship(brand_id, creator_id, at_least=stage)
        )
        await get_engine().fetch("UPDATE relationship SET stage = $2 WHERE id = $1", relationship_id, stage)
        await write_audit_row(
            actor,
            "relationship.stage_changed",
            "relationship",
            relationship_id,
            brand_id=brand_id,
            before={"stage": before},
            after={"stage": stage, "creator_id": creator_id},
        )
        was = STAGE_LABELS[before] if before else "not on the roster"
        await record_interaction(
            brand_id,
            creator_id,
            kind="stage.changed",
            summary=f"Stage changed from {was} to {STAGE_LABELS[stage]}",
            actor_label=staff.name,
        )


async def do_assign_owner(
    actor: Actor, staff: StaffContext, *, brand_id: int, creator_id: int, owner_id: int | None
) -> None:
    """Owners and managers give the relationship to a member of the brand's team (or to nobody)."""
    _require_editor(staff, brand_id)
    async with atomic():
        await _visible_source(brand_id, creator_id)
        if owner_id is not None:
            member = await get_engine().fetch(
                """
                SELECT 1 FROM membership m JOIN staff_user s ON s.id = m.staff
                WHERE m.brand = $1 AND m.staff = $2 AND s.is_active
                """,
                brand_id,
                owner_id,
            )
            if not member:
                raise InvalidInput({"owner": "Choose someone on the brand's team."})
        current = await _locked_relationship(brand_id, creator_id)
        relationship_id = int(current["id"]) if current else await ensure_relationship(brand_id, creator_id)
        before = current["owner"] if current else None
        await get_engine().fetch("UPDATE relationship SET owner = $2 WHERE id = $1", relationship_id, owner_id)
        await write_audit_row(
            actor,
            "relationship.owner_assigned",
            "relationship",
            relationship_id,
            brand_id=brand_id,
            before={"owner_id": before},
            after={"owner_id": owner_id, "creator_id": creator_id},
        )


async def do_set_tags(actor: Actor, staff: StaffContext, *, brand_id: int, creator_id: int, tags: str) -> list[str]:
    """Owners and managers replace the relationship's tags (comma-separated, lower-case, at most 20)."""
    _require_editor(staff, brand_id)
    cleaned, problem = parse_tags(tags)
    if problem:
        raise InvalidInput({"tags": problem})
    async with atomic():
        await _visible_source(brand_id, creator_id)
        current = await _locked_relationship(brand_id, creator_id)
        relationship_id = int(current["id"]) if current else await ensure_relationship(brand_id, creator_id)
        before = list(current["tags"] or []) if current else []
        await get_engine().fetch("UPDATE relationship SET tags = $2 WHERE id = $1", relationship_id, cleaned)
        await write_audit_row(
            actor,
            "relationship.tags_set",
            "relationship",
            relationship_id,
            brand_id=brand_id,
            before={"tags": before},
            after={"tags": cleaned, "creator_id": creator_id},
        )
    return cleaned


async def do_add_note(actor: Actor, staff: StaffContext, *, brand_id: int, creator_id: int, body: str) -> int:
    """Owners and managers keep private notes on a creator; the creator never sees them."""
    _require_editor(staff, brand_id)
    if problem := note_problem(body):
        raise InvalidInput({"body": problem})
    text = body.strip()
    async with atomic():
        await _visible_source(brand_id, creator_id)
        relationship_id = await ensure_relationship(brand_id, creator_id)
        note = RelationshipNote(relationship=relationship_id, author=staff.id, body=text)
        await note.save()
        await write_audit_row(
            actor,
            "relationship.note_added",
            "relationship",
            relationship_id,
            brand_id=brand_id,
            after={"note_id": int(note.id), "creator_id": creator_id, "length": len(text)},
        )
        first_line = text.splitlines()[0]
        await record_interaction(
            brand_id, creator_id, kind="note", summary=f"Note: {first_line[:200]}", actor_label=staff.name
        )
    return int(note.id)


# --- portal invitations ------------------------------------------------------------------------------


async def _send_invitation(
    actor: Actor, staff: StaffContext, mailer: Mailer, brand_id: int, creator_id: int, email: str, base_url: str
) -> CreatorInvitation:
    brand = await get_engine().fetch("SELECT name FROM brand WHERE id = $1", brand_id)
    # Sending again replaces the earlier link: only the newest one works.
    await get_engine().fetch(
        """
        UPDATE creator_invitation SET expires_at = now()
        WHERE brand = $1 AND creator = $2 AND accepted_at IS NULL AND expires_at > now()
        """,
        brand_id,
        creator_id,
    )
    token = new_token()
    invitation = CreatorInvitation(
        brand=brand_id,
        creator=creator_id,
        email=email,
        token_hash=hash_token(token),
        invited_by=staff.id,
        expires_at=_now() + dt.timedelta(days=CREATOR_INVITATION_TTL_DAYS),
    )
    await invitation.save()
    await write_audit_row(
        actor,
        "creator_invitation.sent",
        "creator_invitation",
        invitation.id,
        brand_id=brand_id,
        after={"email": email, "creator_id": creator_id},
    )
    await record_interaction(
        brand_id, creator_id, kind="invitation.sent", summary=f"Invited to Rapport at {email}", actor_label=staff.name
    )
    message = render_email(
        "creator_invitation",
        to=email,
        inviter=staff.name,
        brand=brand[0]["name"],
        days=CREATOR_INVITATION_TTL_DAYS,
        link=f"{base_url.rstrip('/')}/join/{token}",
    )

    async def send() -> None:
        await mailer.send_quietly(message)

    on_commit(send)
    return invitation


async def do_invite_creator_to_portal(
    actor: Actor,
    staff: StaffContext,
    mailer: Mailer,
    *,
    brand_id: int,
    creator_id: int,
    email: str,
    base_url: str,
) -> CreatorInvitation:
    """Owners and managers email a prospect a link (14 days, one use) that brings them into the portal;
    sending again replaces the earlier link. Creators who signed up themselves are already in."""
    _require_editor(staff, brand_id)
    address = clean_email(email)
    if problem := email_problem(address):
        raise InvalidInput({"email": problem})
    async with atomic():
        if await _visible_source(brand_id, creator_id) != "prospect":
            raise IllegalTransition("This creator already uses Rapport: send them an offer instead.")
        return await _send_invitation(actor, staff, mailer, brand_id, creator_id, address, base_url)


@dataclass(frozen=True)
class ClaimedInvitation:
    brand_id: int
    brand_name: str


async def do_claim_creator_invitation(actor: Actor, *, token: str, creator_id: int) -> ClaimedInvitation:
    """A signed-in creator uses a brand's invitation link: the brand's prospect record is merged into them.

    Merging (rather than turning the prospect into the creator) works the same whether the person
    signed up a minute ago or has used Rapport for years: everything the brand built up on the
    prospect (relationship, notes, timeline, offers) moves to the creator, the placeholder handles the
    brand typed are dropped (the creator's own linked accounts are the truth), and the prospect is
    marked deleted so it disappears from every roster. The link itself is the proof: whoever holds
    it may claim it, once, before it expires.
    """
    engine = get_engine()
    async with atomic():
        claimed = await engine.fetch(
            """
            UPDATE creator_invitation i SET accepted_at = now()
            FROM creator p
            WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > now()
              AND p.id = i.creator AND p.deleted_at IS NULL
            RETURNING i.id, i.brand, i.creator
            """,
            hash_token(token),
        )
        if not claimed:
            raise await _why_unclaimable(token)
        invitation_id, brand_id, prospect_id = (int(claimed[0][k]) for k in ("id", "brand", "creator"))
        if not await Creator.exists().where((Creator.id == creator_id) & Creator.deleted_at.is_null()):
            raise NotFound("No such creator.")
        merged = prospect_id != creator_id
        if merged:
            await _merge_prospect(prospect_id, creator_id)
        await ensure_relationship(brand_id, creator_id, at_least="contacted")
        await write_audit_row(
            actor,
            "creator_invitation.claimed",
            "creator_invitation",
            invitation_id,
            brand_id=brand_id,
            after={"prospect_id": prospect_id, "creator_id": creator_id, "merged": merged},
        )
        await record_interaction(
            brand_id, creator_id, kind="invitation.accepted", summary="Joined Rapport from your invitation"
        )
        brand = await engine.fetch("SELECT name FROM brand WHERE id = $1", brand_id)
    return ClaimedInvitation(brand_id, str(brand[0]["name"]))


async def _why_unclaimable(token: str) -> Exception:
    rows = await get_engine().fetch(
        """
        SELECT i.accepted_at IS NOT NULL AS accepted, i.expires_at <= now() AS expired,
               c.deleted_at IS NOT NULL AS prospect_gone
        FROM creator_invitation i JOIN creator c ON c.id = i.creator WHERE i.token_hash = $1
        """,
        hash_token(token),
    )
    if not rows:
        return NotFound(CREATOR_INVITATION_PROBLEMS["unknown"])
    state = creator_invitation_state(
        accepted=rows[0]["accepted"], expired=rows[0]["expired"], prospect_gone=rows[0]["prospect_gone"]
    )
    return IllegalTransition(CREATOR_INVITATION_PROBLEMS.get(state, CREATOR_INVITATION_PROBLEMS["accepted"]))


# Every table that points at a creator and belongs to the person rather than to the record: a new
# table with a creator column must be added here, or its rows stay with the (deleted) prospect.
_MERGE_SQL = (
    # Where the creator already has a relationship with the same brand, that one stays: the
    # prospect's notes move onto it, tags are combined, an owner is kept if it had none.
    """
    UPDATE relationship_note n SET relationship = rc.id
    FROM relationship rp JOIN relationship rc ON rc.brand = rp.brand AND rc.creator = $2
    WHERE rp.creator = $1 AND n.relationship = rp.id
    """,
    """
    UPDATE relationship rc SET tags = ARRAY(SELECT DISTINCT t FROM unnest(rc.tags || rp.tags) AS t ORDER BY t),
                               owner = COALESCE(rc.owner, rp.owner)
    FROM relationship rp WHERE rp.creator = $1 AND rc.brand = rp.brand AND rc.creator = $2
    """,
    """
    DELETE FROM relationship rp USING relationship rc
    WHERE rp.creator = $1 AND rc.brand = rp.brand AND rc.creator = $2
    """,
    "UPDATE relationship SET creator = $2 WHERE creator = $1",
    "UPDATE relationship_event SET creator = $2 WHERE creator = $1",
    # An offer for a campaign the creator already has one for stays with the prospect (unique per campaign).
    """
    UPDATE collaboration c SET creator = $2 WHERE c.creator = $1
      AND NOT EXISTS (SELECT 1 FROM collaboration o WHERE o.campaign = c.campaign AND o.creator = $2)
    """,
    """
    UPDATE deliverable d SET creator = $2
    FROM collaboration c WHERE d.collaboration = c.id AND c.creator = $2 AND d.creator = $1
    """,
    "UPDATE notification SET recipient_id = $2 WHERE recipient_kind = 'creator' AND recipient_id = $1",
    "DELETE FROM social_identity WHERE creator = $1",
    "UPDATE creator SET deleted_at = now() WHERE id = $1",
)


async def _merge_prospect(prospect_id: int, creator_id: int) -> None:
    for sql in _MERGE_SQL:
        args = (prospect_id, creator_id) if "$2" in sql else (prospect_id,)
        await get_engine().fetch(sql, *args)
    await refresh_creator_projection(prospect_id)
