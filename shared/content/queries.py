"""Reading deliverables and their drafts. get_* raise NotFound for anything the viewer may not know exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.campaigns.rules import KIND_LABELS, platform_label
from shared.collaborations.board import CREATOR_STATUS_LABELS
from shared.collaborations.rules import AGREED, Terms
from shared.content.actions import CAPTION_MAX, check_disclosure
from shared.content.disclosure import DisclosureResult, with_confirmation
from shared.content.rules import (
    DECISION_LABELS,
    MediaLimits,
    Rounds,
    asks_for_spoken_disclosure,
    media_limits,
    rounds,
)
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import NotFound
from shared.integrations.storage import Storage

UPLOAD_STATE_LABELS = {
    "initiated": "Uploading",
    "uploaded": "Checking",
    "verified": "Ready",
    "rejected": "Not accepted",
    "abandoned": "Upload given up",
}


@dataclass(frozen=True)
class DraftView:
    row: dict[str, Any]
    disclosure: DisclosureResult | None  # with the creator's on-screen/spoken confirmation applied

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def version(self) -> int:
        return int(self.row["version"])

    @property
    def state(self) -> str:
        return str(self.row["upload_state"])

    @property
    def state_label(self) -> str:
        if self.row["decision"]:
            return DECISION_LABELS.get(self.row["decision"], str(self.row["decision"]))
        if self.row["submitted_at"] is not None:
            return "Sent for review"
        return UPLOAD_STATE_LABELS.get(self.state, self.state)

    @property
    def editable(self) -> bool:
        return self.state == "verified" and self.row["submitted_at"] is None


@dataclass(frozen=True)
class DeliverableView:
    """One deliverable as its creator sees it: what to make, the deal's rounds, the drafts, what they may do."""

    row: dict[str, Any]
    terms: Terms
    brief: dict[str, Any]
    drafts: list[DraftView]  # newest version first
    rounds: Rounds
    limits: MediaLimits

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def status(self) -> str:
        return str(self.row["status"])

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.row['kind'], self.row['kind'])} on {platform_label(self.row['platform'])}"

    @property
    def status_label(self) -> str:
        return CREATOR_STATUS_LABELS.get(self.status, self.status)

    @property
    def can_upload(self) -> bool:
        return self.status in ("pending", "changes_requested")

    @property
    def can_go_live(self) -> bool:
        return self.status == "approved"

    @property
    def latest(self) -> DraftView | None:
        """The newest draft that was accepted into storage (the one to send, or the one under review)."""
        return next((d for d in self.drafts if d.state == "verified"), None)

    @property
    def asks_for_spoken_disclosure(self) -> bool:
        latest = self.latest
        content_type = latest.row["content_type"] if latest else ""
        return asks_for_spoken_disclosure(self.row["kind"], content_type)

    @property
    def accept(self) -> str:
        return ",".join(self.limits.content_types)

    @property
    def live_urls(self) -> list[str]:
        return list(self.row["live_urls"] or [])


_DELIVERABLE = """
SELECT d.*, c.status AS collaboration_status, c.agreed_terms, b.name AS brand_name, b.slug AS brand_slug,
       k.name AS campaign_name, v.content AS brief_content, v.number AS brief_number
FROM deliverable d
JOIN collaboration c ON c.id = d.collaboration
JOIN brand b ON b.id = d.brand
JOIN campaign k ON k.id = d.campaign
LEFT JOIN brief_version v ON v.id = c.brief_version
WHERE d.id = $1
"""


def _draft_view(row: dict[str, Any]) -> DraftView:
    disclosure = None
    if row["disclosure_result"]:
        stored = DisclosureResult.from_json(jsonb(row["disclosure_findings"]))
        disclosure = with_confirmation(stored, bool(row["disclosure_confirmed"]))
    return DraftView(row, disclosure)


def deliverable_rounds(drafts_submitted: int, status: str, agreed_revision_rounds: int) -> Rounds:
    """The round the deliverable is in: after "changes requested" the next draft is one round more."""
    return rounds(drafts_submitted + (1 if status == "changes_requested" else 0), agreed_revision_rounds)


async def get_deliverable_for_creator(creator_id: int, deliverable_id: int) -> DeliverableView:
    """The creator's own deliverable of an agreed deal, with its drafts; NotFound for anyone else's."""
    engine = get_engine()
    rows = await engine.fetch(_DELIVERABLE, deliverable_id)
    if not rows or rows[0]["creator"] != creator_id or rows[0]["collaboration_status"] not in AGREED:
        raise NotFound("No such deliverable.")
    row = dict(rows[0])
    drafts = [
        _draft_view(dict(d))
        for d in await engine.fetch(
            "SELECT * FROM draft WHERE deliverable = $1 ORDER BY version DESC LIMIT 50", deliverable_id
        )
    ]
    terms = Terms.from_json(jsonb(row["agreed_terms"]))
    submitted = sum(1 for d in drafts if d.row["submitted_at"] is not None)
    return DeliverableView(
        row=row,
        terms=terms,
        brief=jsonb(row["brief_content"]),
        drafts=drafts,
        rounds=deliverable_rounds(submitted, row["status"], terms.revision_rounds),
        limits=media_limits(row["kind"]),
    )


async def preview_disclosure(creator_id: int, deliverable_id: int, caption: str) -> DisclosureResult:
    """'Check my caption' before anything is stored: the same rules, policy and brief as on upload."""
    view = await get_deliverable_for_creator(creator_id, deliverable_id)
    content_type = "video/mp4" if view.limits.accepts_video and view.row["kind"] != "post" else ""
    return await check_disclosure(view.id, caption[:CAPTION_MAX], content_type)


async def get_draft_for_brand(brand_id: int, draft_id: int) -> DraftView:
    """A draft of one of the brand's deliverables; NotFound for other brands' (and unknown) drafts."""
    rows = await get_engine().fetch(
        "SELECT f.*, d.kind, d.platform, d.title AS deliverable_title, d.status AS deliverable_status "
        "FROM draft f JOIN deliverable d ON d.id = f.deliverable WHERE f.id = $1 AND f.brand = $2",
        draft_id,
        brand_id,
    )
    if not rows:
        raise NotFound("No such draft.")
    return _draft_view(dict(rows[0]))


async def draft_preview_url(view: DeliverableView, storage: Storage) -> str:
    """A short-lived URL to play the creator's own latest draft ('' when there is none)."""
    latest = view.latest
    if latest is None:
        return ""
    return await storage.sign_download(
        latest.row["storage_key"], filename=latest.row["filename"], content_type=latest.row["content_type"]
    )
