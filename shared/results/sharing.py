"""Read-only links to one campaign's results, for people without an account (an agency's client, a finance
lead): an unguessable token of which only the SHA-256 is stored, an expiry, and revocation. Owners and managers
create and revoke them (audited); the link shows that campaign's results and nothing else."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.results.queries import CampaignResults, get_campaign_results
from shared.results.rules import SHARERS

DAYS_MIN, DAYS_MAX, DAYS_DEFAULT = 1, 90, 14


def can_share_results(staff: StaffContext, brand_id: int) -> bool:
    return staff.role_at(brand_id) in SHARERS


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_path(token: str) -> str:
    return f"/backoffice/reports/{token}"


async def do_share_results(actor: Actor, staff: StaffContext, brand_id: int, campaign_id: int, *, days: int) -> str:
    """A new read-only link to the campaign's results, valid for `days`; returns the token (shown once)."""
    if not can_share_results(staff, brand_id):
        raise PermissionDenied("Only owners and managers share results.")
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise InvalidInput({"days": f"Choose between {DAYS_MIN} and {DAYS_MAX} days."})
    token = secrets.token_urlsafe(32)
    async with atomic():
        found = await get_engine().fetch("SELECT id FROM campaign WHERE id = $1 AND brand = $2", campaign_id, brand_id)
        if not found:
            raise NotFound("No such campaign.")
        rows = await get_engine().fetch(
            "INSERT INTO results_share (brand, campaign, token_hash, created_by, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4, now(), now() + make_interval(days => $5)) RETURNING id, expires_at",
            brand_id,
            campaign_id,
            _hash(token),
            staff.id,
            days,
        )
        await write_audit_row(
            actor,
            "results.shared",
            "campaign",
            campaign_id,
            brand_id=brand_id,
            after={"share": int(rows[0]["id"]), "expires_at": rows[0]["expires_at"].isoformat()},
        )
    return token


async def do_revoke_share(actor: Actor, staff: StaffContext, brand_id: int, share_id: int) -> int:
    """Revoke a link (at once: its next opening is refused); returns its campaign."""
    if not can_share_results(staff, brand_id):
        raise PermissionDenied("Only owners and managers revoke shared links.")
    async with atomic():
        rows = await get_engine().fetch(
            "UPDATE results_share SET revoked_at = now(), revoked_by = $3 "
            "WHERE id = $1 AND brand = $2 AND revoked_at IS NULL RETURNING campaign",
            share_id,
            brand_id,
            staff.id,
        )
        if not rows:
            found = await get_engine().fetch(
                "SELECT campaign FROM results_share WHERE id = $1 AND brand = $2", share_id, brand_id
            )
            if not found:
                raise NotFound("No such link.")
            return int(found[0]["campaign"])  # revoked already
        await write_audit_row(
            actor, "results.share_revoked", "campaign", int(rows[0]["campaign"]), brand_id=brand_id,
            after={"share": share_id},
        )  # fmt: skip
    return int(rows[0]["campaign"])


@dataclass(frozen=True)
class ShareLine:
    id: int
    created_by_name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > dt.datetime.now(dt.UTC)


async def list_shares(brand_id: int, campaign_id: int) -> list[ShareLine]:
    rows = await get_engine().fetch(
        "SELECT r.id, coalesce(s.name, '') AS name, r.created_at, r.expires_at, r.revoked_at FROM results_share r "
        "LEFT JOIN staff_user s ON s.id = r.created_by WHERE r.brand = $1 AND r.campaign = $2 "
        "ORDER BY r.created_at DESC, r.id DESC LIMIT 50",
        brand_id,
        campaign_id,
    )
    return [ShareLine(int(r["id"]), r["name"], r["created_at"], r["expires_at"], r["revoked_at"]) for r in rows]


@dataclass(frozen=True)
class SharedCampaign:
    brand_id: int
    brand_name: str
    campaign_id: int
    expires_at: dt.datetime


async def open_share(token: str) -> SharedCampaign:
    """The campaign a link shows; NotFound for an unknown, expired or revoked link (all look the same)."""
    if not token or len(token) > 100:
        raise NotFound("This link doesn't work.")
    rows = await get_engine().fetch(
        "SELECT r.brand, b.name, r.campaign, r.expires_at FROM results_share r JOIN brand b ON b.id = r.brand "
        "WHERE r.token_hash = $1 AND r.revoked_at IS NULL AND r.expires_at > now()",
        _hash(token),
    )
    if not rows:
        raise NotFound("This link doesn't work: it may have expired or been revoked. Ask for a new one.")
    row = rows[0]
    return SharedCampaign(int(row["brand"]), row["name"], int(row["campaign"]), row["expires_at"])


async def get_shared_results(token: str) -> tuple[SharedCampaign, CampaignResults]:
    """What a shared link shows: its campaign's results, nothing else."""
    shared = await open_share(token)
    return shared, await get_campaign_results(shared.brand_id, shared.campaign_id)
