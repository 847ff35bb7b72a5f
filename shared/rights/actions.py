"""Writing the rights ledger: grants when a draft is approved and when its post goes live (inside the content
action's transaction), extensions (renewals) and revocations by the brand. Every entry is a new row and an
audit row; nothing is ever changed or removed (a trigger refuses it)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.rules import Terms
from shared.dates import today_in
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.identity.rules import Role
from shared.integrations.storage import Storage
from shared.rights.queries import STANDING, standing_entries
from shared.rights.rules import (
    CHANNEL_LABELS,
    COUNTRIES,
    REASON_MAX,
    can_manage_rights,
    extension_error,
    usable,
)

GrantSource = Literal["approval", "go_live"]


async def _insert(
    *,
    brand_id: int,
    collaboration_id: int,
    deliverable_id: int,
    kind: str,
    source: str,
    channels: list[str],
    territories: list[str],
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    supersedes: int | None,
    reason: str,
    actor_label: str,
) -> int:
    rows = await get_engine().fetch(
        """
        INSERT INTO rights_entry (brand, collaboration, deliverable, kind, source, channels, territories, starts_on,
                                  ends_on, supersedes, reason, actor_label, created_at)
        VALUES ($1, $2, $3, $4, $5, $6::varchar[], $7::varchar[], $8, $9, $10, $11, $12, now()) RETURNING id
        """,
        brand_id,
        collaboration_id,
        deliverable_id,
        kind,
        source,
        channels,
        territories,
        starts_on,
        ends_on,
        supersedes,
        reason,
        actor_label[:320],
    )
    return int(rows[0]["id"])


async def record_grant(actor: Actor, deliverable_id: int, *, source: GrantSource, go_live: dt.date) -> int | None:
    """Grant the deal's rights on a deliverable, inside the caller's transaction (a draft's approval, a post going
    live). The window runs from go-live (planned on approval, actual when live); a go-live grant re-dates the
    approval's. No structured rights in the agreed terms: no grant. Returns the entry, or None."""
    rows = await get_engine().fetch(
        """
        SELECT d.id, d.brand, d.collaboration, COALESCE(c.agreed_terms, c.terms) AS terms
        FROM deliverable d JOIN collaboration c ON c.id = d.collaboration WHERE d.id = $1
        """,
        deliverable_id,
    )
    if not rows:
        return None
    row = rows[0]
    raw = row["terms"]
    data: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else dict(raw or {})
    rights = Terms.from_json(data).rights
    if rights is None:
        return None
    starts_on, ends_on = rights.window(go_live)
    standing = await get_engine().fetch(
        f"SELECT e.id, e.starts_on, e.ends_on, e.source FROM rights_entry e WHERE e.deliverable = $1 AND {STANDING} "  # noqa: S608
        "AND e.source IN ('approval', 'go_live') ORDER BY e.id DESC LIMIT 1",
        deliverable_id,
    )
    previous = standing[0] if standing else None
    if previous is not None and (previous["starts_on"], previous["ends_on"]) == (starts_on, ends_on):
        return int(previous["id"])  # the post went live on the planned day: the approval's grant stands
    entry_id = await _insert(
        brand_id=int(row["brand"]),
        collaboration_id=int(row["collaboration"]),
        deliverable_id=deliverable_id,
        kind="grant",
        source=source,
        channels=list(rights.channels),
        territories=list(rights.territories),
        starts_on=starts_on,
        ends_on=ends_on,
        supersedes=int(previous["id"]) if previous is not None else None,
        reason="",
        actor_label=actor.label,
    )
    await write_audit_row(
        actor,
        "rights.granted",
        "rights_entry",
        entry_id,
        brand_id=int(row["brand"]),
        before={"entry": int(previous["id"]), "ends_on": previous["ends_on"].isoformat()} if previous else None,
        after={
            "deliverable": deliverable_id,
            "source": source,
            "channels": list(rights.channels),
            "territories": list(rights.territories),
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return entry_id


async def _standing_locked(brand_id: int, entry_id: int) -> dict[str, Any]:
    # Lock the deliverable: two people extending the same grant at once cannot both supersede it.
    locked = await get_engine().fetch(
        "SELECT d.id FROM deliverable d JOIN rights_entry e ON e.deliverable = d.id "
        "WHERE e.id = $1 AND e.brand = $2 FOR UPDATE OF d",
        entry_id,
        brand_id,
    )
    if not locked:
        raise NotFound("No such grant.")
    rows = await get_engine().fetch(
        f"SELECT e.* FROM rights_entry e WHERE e.id = $1 AND {STANDING}",  # noqa: S608 (a constant)
        entry_id,
    )
    if not rows:
        raise InvalidInput({"grant": "This grant was extended or revoked already; reload the page."})
    return dict(rows[0])


async def do_extend_grant(
    actor: Actor, staff: StaffContext, brand_id: int, entry_id: int, *, ends_on: dt.date | None, reason: str
) -> int:
    """Renew a grant: the same channels and territories until a later last day (a new ledger entry superseding
    the old one). Until it is recorded, the old end date stands."""
    if not can_manage_rights(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers renew usage rights.")
    cleaned = reason.strip()
    if len(cleaned) > REASON_MAX:
        raise InvalidInput({"reason": f"Keep the reason under {REASON_MAX} characters."})
    async with atomic():
        row = await _standing_locked(brand_id, entry_id)
        if error := extension_error(row["ends_on"], ends_on):
            raise InvalidInput({"ends_on": error})
        assert ends_on is not None
        new_id = await _insert(
            brand_id=brand_id,
            collaboration_id=int(row["collaboration"]),
            deliverable_id=int(row["deliverable"]),
            kind="extend",
            source="renewal",
            channels=list(row["channels"]),
            territories=list(row["territories"]),
            starts_on=row["starts_on"],
            ends_on=ends_on,
            supersedes=entry_id,
            reason=cleaned,
            actor_label=staff.name,
        )
        await write_audit_row(
            actor,
            "rights.extended",
            "rights_entry",
            new_id,
            brand_id=brand_id,
            before={"entry": entry_id, "ends_on": row["ends_on"].isoformat()},
            after={"deliverable": int(row["deliverable"]), "ends_on": ends_on.isoformat(), "reason": cleaned},
        )
    return new_id


async def do_revoke_grant(actor: Actor, staff: StaffContext, brand_id: int, entry_id: int, *, reason: str) -> int:
    """End a grant now (the creator withdrew consent, a dispute): a revocation entry supersedes it, with the
    reason. The content is no longer usable under it."""
    if not can_manage_rights(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers revoke usage rights.")
    cleaned = reason.strip()
    if not cleaned:
        raise InvalidInput({"reason": "Say why the rights end (it stays in the ledger)."})
    if len(cleaned) > REASON_MAX:
        raise InvalidInput({"reason": f"Keep the reason under {REASON_MAX} characters."})
    async with atomic():
        row = await _standing_locked(brand_id, entry_id)
        new_id = await _insert(
            brand_id=brand_id,
            collaboration_id=int(row["collaboration"]),
            deliverable_id=int(row["deliverable"]),
            kind="revoke",
            source="staff",
            channels=list(row["channels"]),
            territories=list(row["territories"]),
            starts_on=None,
            ends_on=None,
            supersedes=entry_id,
            reason=cleaned,
            actor_label=staff.name,
        )
        await write_audit_row(
            actor,
            "rights.revoked",
            "rights_entry",
            new_id,
            brand_id=brand_id,
            before={"entry": entry_id, "ends_on": row["ends_on"].isoformat()},
            after={"deliverable": int(row["deliverable"]), "reason": cleaned},
        )
    return new_id


async def check_download(
    actor: Actor,
    staff: StaffContext,
    brand_id: int,
    deliverable_id: int,
    *,
    channel: str,
    country: str,
    reason: str,
    storage: Storage,
) -> str:
    """The approved original, for a named channel and country: allowed when a standing grant covers them today;
    otherwise refused, unless an owner writes why (the download is then flagged in the audit log). Every download
    is audited with what it was for. Returns a short-lived signed URL."""
    role = staff.role_at(brand_id)
    if not can_manage_rights(role):
        raise PermissionDenied("Only owners and managers download originals.")
    errors: dict[str, str] = {}
    if channel not in CHANNEL_LABELS:
        errors["channel"] = "Say which channel the file is for."
    country = country.strip().upper()
    if country not in COUNTRIES:
        errors["country"] = "Say where it will run, as a two-letter country code like US."
    cleaned = reason.strip()
    if len(cleaned) > REASON_MAX:
        errors["reason"] = f"Keep the reason under {REASON_MAX} characters."
    if errors:
        raise InvalidInput(errors)
    today = today_in(staff.time_zone)  # the day it is where the person downloading it is
    async with atomic():
        rows = await get_engine().fetch(
            """
            SELECT dr.id, dr.storage_key, dr.filename, dr.content_type FROM deliverable d
            JOIN draft dr ON dr.deliverable = d.id AND dr.decision IN ('approved', 'approved_with_notes')
            WHERE d.id = $1 AND d.brand = $2 ORDER BY dr.version DESC LIMIT 1
            """,
            deliverable_id,
            brand_id,
        )
        if not rows:
            raise NotFound("No such asset.")
        draft = rows[0]
        grants = [e.grant for e in (await standing_entries([deliverable_id])).get(deliverable_id, [])]
        covered = usable(grants, channel=channel, country=country, on=today)
        if not covered:
            what = f"{CHANNEL_LABELS[channel].lower()} in {country}"
            if role != Role.OWNER:
                raise InvalidInput({"channel": f"No usage rights cover {what} today: not downloaded."})
            if not cleaned:
                raise InvalidInput(
                    {"reason": f"No usage rights cover {what} today. To download anyway, write why (it is flagged)."}
                )
        await write_audit_row(
            actor,
            "rights.downloaded" if covered else "rights.downloaded_without_grant",
            "deliverable",
            deliverable_id,
            brand_id=brand_id,
            after={
                "draft": int(draft["id"]),
                "channel": channel,
                "country": country,
                "covered": covered,
                "flagged": not covered,
                "reason": cleaned,
            },
        )
    return await storage.sign_download(
        str(draft["storage_key"]), filename=str(draft["filename"]), content_type=str(draft["content_type"])
    )
