"""Reading reviews: the brand's queue of drafts waiting for a decision, one draft's review screen, and the
feedback (decisions and shared comments) a creator sees on a deliverable.

Internal comments never leave the brand's side: every creator-facing query filters on `shared`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.campaigns.rules import KIND_LABELS, platform_label
from shared.content.disclosure import DisclosureResult, final_verdict, with_confirmation
from shared.content.review_rules import (
    QUEUE_PAGE_SIZE,
    bulk_refusal,
    decision_label,
    due_in_words,
    format_at,
    is_review_overdue,
)
from shared.content.rules import Rounds, rounds
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import InvalidInput, NotFound
from shared.integrations.storage import Storage


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def staff_review_link(brand_slug: str, draft_id: int) -> str:
    return f"/backoffice/b/{brand_slug}/reviews/{draft_id}"


_RANK = {"": 0, "pass": 0, "warn": 1, "block": 2}


def final_verdict_of(row: Mapping[str, Any]) -> str:
    """The disclosure verdict a decision is held to: pass | warn | block (the stricter of the stored verdict and
    the findings re-read with the creator's confirmation, so neither can let a blocked draft through)."""
    verdict = final_verdict(DisclosureResult.from_json(row["disclosure_findings"]), bool(row["disclosure_confirmed"]))
    stored = str(row["disclosure_result"] or "")
    return stored if _RANK.get(stored, 0) > _RANK[verdict] else verdict


def _agreed_rounds(terms: Any) -> int:
    return int(jsonb(terms).get("revision_rounds", 2)) if terms else 2


# --- the queue ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueCursor:
    """The last row of a page: (review_due_at, draft id), written as '<epoch microseconds>.<id>'."""

    due_us: int
    id: int

    def encode(self) -> str:
        return f"{self.due_us}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> QueueCursor:
        """The cursor from a 'Next' link; InvalidInput when it was tampered with."""
        due, _, ident = text.strip().partition(".")
        try:
            cursor = cls(int(due), int(ident))
        except ValueError:
            raise InvalidInput({"after": "That page link is broken; start again from the first page."}) from None
        if not 0 < cursor.id < 2**31:
            raise InvalidInput({"after": "That page link is broken; start again from the first page."})
        return cursor


# A draft with no promised time sorts last (as if due at the end of time).
_NO_DUE_US = 2**62


@dataclass(frozen=True)
class QueueRow:
    draft_id: int
    deliverable_id: int
    version: int
    creator_name: str
    campaign_name: str
    kind: str
    platform: str
    title: str
    filename: str
    content_type: str
    submitted_at: dt.datetime | None
    review_due_at: dt.datetime | None
    overdue: bool
    due_words: str
    rounds: Rounds
    verdict: str
    bulk_approvable: bool

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} on {platform_label(self.platform)}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_after: str | None


# Waiting = submitted, verified, no decision yet, and still the deliverable's current draft. The page is cut
# on the draft table alone (brand, review_due_at); names and rounds are read for those rows only.
_QUEUE = f"""
SELECT p.*, dl.kind, dl.platform, dl.title, k.name AS campaign_name, c.display_name AS creator_name,
       co.agreed_terms,
       (SELECT count(*) FROM draft s WHERE s.deliverable = p.deliverable AND s.submitted_at IS NOT NULL
            AND s.version <= p.version) AS round
FROM (
    SELECT d.id, d.deliverable, d.version, d.filename, d.content_type, d.submitted_at, d.review_due_at,
           d.disclosure_result, d.disclosure_findings, d.disclosure_confirmed,
           COALESCE((extract(epoch FROM d.review_due_at) * 1000000)::bigint, {_NO_DUE_US}) AS due_us
    FROM draft d
    JOIN deliverable dl0 ON dl0.id = d.deliverable AND dl0.status = 'draft_submitted'
    WHERE d.brand = $1 AND d.submitted_at IS NOT NULL AND d.decision = '' AND d.upload_state = 'verified'
      AND (COALESCE((extract(epoch FROM d.review_due_at) * 1000000)::bigint, {_NO_DUE_US}), d.id) > ($2, $3)
    ORDER BY due_us, d.id
    LIMIT $4
) p
JOIN deliverable dl ON dl.id = p.deliverable
JOIN collaboration co ON co.id = dl.collaboration
JOIN campaign k ON k.id = dl.campaign
JOIN creator c ON c.id = dl.creator
ORDER BY p.due_us, p.id
"""  # noqa: S608 (a constant; values are bound parameters)


async def list_review_queue(
    brand_id: int, *, after: str | None = None, limit: int = QUEUE_PAGE_SIZE, now: dt.datetime | None = None
) -> QueuePage:
    """Drafts waiting for the brand's decision, the one promised soonest first (one query per page)."""
    cursor = QueueCursor.decode(after) if after else QueueCursor(-(2**62), 0)
    moment = now or now_utc()
    records = await get_engine().fetch(_QUEUE, brand_id, cursor.due_us, cursor.id, limit + 1)
    rows = [_queue_row(record, moment) for record in records[:limit]]
    if len(records) <= limit:
        return QueuePage(rows, None)
    last = records[limit - 1]
    return QueuePage(rows, QueueCursor(int(last["due_us"]), int(last["id"])).encode())


def _queue_row(record: Mapping[str, Any], now: dt.datetime) -> QueueRow:
    verdict = final_verdict_of(record)
    content_type = str(record["content_type"])
    return QueueRow(
        draft_id=int(record["id"]),
        deliverable_id=int(record["deliverable"]),
        version=int(record["version"]),
        creator_name=str(record["creator_name"]),
        campaign_name=str(record["campaign_name"]),
        kind=str(record["kind"]),
        platform=str(record["platform"]),
        title=str(record["title"]),
        filename=str(record["filename"]),
        content_type=content_type,
        submitted_at=record["submitted_at"],
        review_due_at=record["review_due_at"],
        overdue=is_review_overdue(record["review_due_at"], now),
        due_words=due_in_words(record["review_due_at"], now),
        rounds=rounds(int(record["round"]), _agreed_rounds(record["agreed_terms"])),
        verdict=verdict,
        bulk_approvable=not bulk_refusal(content_type=content_type, verdict=verdict, decided=False, latest=True),
    )


def waiting_reviews_sql(brand: str) -> str:
    """The count of drafts waiting for `brand` (an SQL expression: a placeholder or a column), as a scalar
    subquery: shared.web.frame runs it inside the staff member's own statement for the navigation's badge."""
    return f"""
        SELECT count(*) FROM draft d JOIN deliverable dl ON dl.id = d.deliverable AND dl.status = 'draft_submitted'
        WHERE d.brand = {brand} AND d.submitted_at IS NOT NULL AND d.decision = '' AND d.upload_state = 'verified'
    """  # noqa: S608 (brand is a placeholder or column written in our code)


# --- one draft ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comment:
    id: int
    author_kind: str
    author_label: str
    body: str
    at_ms: int | None
    shared: bool
    created_at: dt.datetime

    @property
    def at_label(self) -> str:
        return format_at(self.at_ms) if self.at_ms is not None else ""


@dataclass(frozen=True)
class DraftVersion:
    """A draft as both screens show it: the file, the caption, the check and the decision."""

    id: int
    deliverable_id: int
    version: int
    round: int
    filename: str
    content_type: str
    size: int | None
    caption: str
    verdict: str
    disclosure_findings: Any  # the stored DisclosureResult JSON (shared.content.disclosure)
    disclosure_confirmed: bool
    submitted_at: dt.datetime | None
    review_due_at: dt.datetime | None
    decision: str
    decided_by_name: str
    decided_at: dt.datetime | None
    media_url: str = ""  # a short-lived signed URL, when the caller asked for one

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def decision_label(self) -> str:
        return decision_label(self.decision) if self.decision else ""

    @property
    def disclosure(self) -> DisclosureResult:
        """What templates/_disclosure_result.html shows (the confirmation already applied)."""
        return with_confirmation(DisclosureResult.from_json(self.disclosure_findings), self.disclosure_confirmed)


@dataclass(frozen=True)
class Review:
    brand_id: int
    creator_id: int
    creator_name: str
    campaign_name: str
    collaboration_id: int
    deliverable_id: int
    deliverable_status: str
    kind: str
    platform: str
    title: str
    draft: DraftVersion
    previous: DraftVersion | None
    comments: list[Comment]
    previous_comments: list[Comment]  # on the version before, so the reviewer checks what was asked
    rounds: Rounds
    latest: bool  # the deliverable's newest submitted draft
    overdue: bool
    due_words: str

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} on {platform_label(self.platform)}"

    @property
    def awaiting_decision(self) -> bool:
        return self.latest and not self.draft.decision and self.deliverable_status == "draft_submitted"


_DRAFT_COLUMNS = """
d.id, d.deliverable, d.version, d.filename, d.content_type, d.size, d.caption, d.disclosure_result,
d.disclosure_findings, d.disclosure_confirmed, d.submitted_at, d.review_due_at, d.decision, d.decided_at,
COALESCE(s.name, '') AS decided_by_name, d.storage_key,
(SELECT count(*) FROM draft r WHERE r.deliverable = d.deliverable AND r.submitted_at IS NOT NULL
     AND r.version <= d.version) AS round
"""

_REVIEW = f"""
SELECT {_DRAFT_COLUMNS}, d.brand, d.creator, dl.status AS deliverable_status, dl.kind, dl.platform, dl.title,
       dl.collaboration, co.agreed_terms, k.name AS campaign_name, c.display_name AS creator_name,
       (SELECT max(x.version) FROM draft x WHERE x.deliverable = d.deliverable AND x.submitted_at IS NOT NULL)
           AS latest_version
FROM draft d
JOIN deliverable dl ON dl.id = d.deliverable
JOIN collaboration co ON co.id = dl.collaboration
JOIN campaign k ON k.id = dl.campaign
JOIN creator c ON c.id = dl.creator
LEFT JOIN staff_user s ON s.id = d.decided_by
WHERE d.id = $1 AND d.submitted_at IS NOT NULL
"""  # noqa: S608 (a constant; values are bound parameters)

# The version sent for review just before this one, for side by side.
_PREVIOUS = f"""
SELECT {_DRAFT_COLUMNS}
FROM draft d LEFT JOIN staff_user s ON s.id = d.decided_by
WHERE d.deliverable = $1 AND d.version < $2 AND d.submitted_at IS NOT NULL
ORDER BY d.version DESC LIMIT 1
"""  # noqa: S608 (a constant; values are bound parameters)

# The draft's comments and the previous version's (what was asked last time), in one read.
_COMMENTS = """
SELECT id, draft, author_kind, author_label, body, at_ms, shared, created_at FROM draft_comment
WHERE draft IN ($1, $2)
ORDER BY at_ms NULLS LAST, created_at, id
"""


def _version(record: Mapping[str, Any], media_url: str = "") -> DraftVersion:
    return DraftVersion(
        id=int(record["id"]),
        deliverable_id=int(record["deliverable"]),
        version=int(record["version"]),
        round=int(record["round"]),
        filename=str(record["filename"]),
        content_type=str(record["content_type"]),
        size=record["size"],
        caption=str(record["caption"]),
        verdict=final_verdict_of(record),
        disclosure_findings=record["disclosure_findings"],
        disclosure_confirmed=bool(record["disclosure_confirmed"]),
        submitted_at=record["submitted_at"],
        review_due_at=record["review_due_at"],
        decision=str(record["decision"]),
        decided_by_name=str(record["decided_by_name"]),
        decided_at=record["decided_at"],
        media_url=media_url,
    )


def _comment(record: Mapping[str, Any]) -> Comment:
    return Comment(
        id=int(record["id"]),
        author_kind=str(record["author_kind"]),
        author_label=str(record["author_label"]),
        body=str(record["body"]),
        at_ms=record["at_ms"],
        shared=bool(record["shared"]),
        created_at=record["created_at"],
    )


async def _sign(storage: Storage | None, record: Mapping[str, Any] | None) -> str:
    if storage is None or record is None:
        return ""
    return await storage.sign_download(
        str(record["storage_key"]), filename=str(record["filename"]), content_type=str(record["content_type"])
    )


async def get_review(brand_id: int, draft_id: int, *, storage: Storage | None = None) -> Review:
    """A submitted draft of the brand with the version before it, its comments (internal ones too: this is the
    brand's screen) and its rounds; NotFound for another brand's. With `storage`, both files get fresh signed URLs."""
    rows = await get_engine().fetch(_REVIEW, draft_id)
    record = rows[0] if rows else None
    if record is None or int(record["brand"]) != brand_id:
        raise NotFound("No such draft.")
    previous_rows = await get_engine().fetch(_PREVIOUS, record["deliverable"], record["version"])
    previous = previous_rows[0] if previous_rows else None
    comments = await get_engine().fetch(_COMMENTS, draft_id, int(previous["id"]) if previous else draft_id)
    now = now_utc()
    # Signing is local computation (no request to the store), so it may sit beside the reads.
    return Review(
        brand_id=brand_id,
        creator_id=int(record["creator"]),
        creator_name=str(record["creator_name"]),
        campaign_name=str(record["campaign_name"]),
        collaboration_id=int(record["collaboration"]),
        deliverable_id=int(record["deliverable"]),
        deliverable_status=str(record["deliverable_status"]),
        kind=str(record["kind"]),
        platform=str(record["platform"]),
        title=str(record["title"]),
        draft=_version(record, await _sign(storage, record)),
        previous=_version(previous, await _sign(storage, previous)) if previous else None,
        comments=[_comment(c) for c in comments if int(c["draft"]) == draft_id],
        previous_comments=[_comment(c) for c in comments if int(c["draft"]) != draft_id],
        rounds=rounds(int(record["round"]), _agreed_rounds(record["agreed_terms"])),
        latest=int(record["version"]) == int(record["latest_version"] or 0),
        overdue=not record["decision"] and is_review_overdue(record["review_due_at"], now),
        due_words=due_in_words(record["review_due_at"], now),
    )


# --- the creator's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftFeedback:
    """One submitted version as the creator sees it: the decision and the comments shared with them."""

    draft: DraftVersion
    comments: list[Comment]
    rounds: Rounds

    @property
    def round_label(self) -> str:
        return f"round {self.draft.round} of {self.rounds.included}"

    @property
    def beyond_agreement(self) -> bool:
        return self.draft.round > self.rounds.included


_CREATOR_DRAFTS = f"""
SELECT {_DRAFT_COLUMNS}, co.agreed_terms
FROM draft d
JOIN deliverable dl ON dl.id = d.deliverable
JOIN collaboration co ON co.id = dl.collaboration
LEFT JOIN staff_user s ON s.id = d.decided_by
WHERE d.deliverable = $1 AND dl.creator = $2 AND d.submitted_at IS NOT NULL
ORDER BY d.version DESC
"""  # noqa: S608 (a constant; values are bound parameters)

_CREATOR_COMMENTS = """
SELECT c.id, c.draft, c.author_kind, c.author_label, c.body, c.at_ms, c.shared, c.created_at
FROM draft_comment c JOIN draft d ON d.id = c.draft
WHERE d.deliverable = $1 AND d.creator = $2 AND d.submitted_at IS NOT NULL AND c.shared
ORDER BY c.at_ms NULLS LAST, c.created_at, c.id
"""


async def list_shared_feedback(
    creator_id: int, deliverable_id: int, *, storage: Storage | None = None, sign_latest_only: bool = True
) -> list[DraftFeedback]:
    """The creator's submitted versions of a deliverable, newest first, each with its decision and the comments
    shared with them (never the brand's internal ones). Two queries, whatever the number of versions; an empty
    list for another creator's deliverable. With `storage`, the newest version (or every one) gets a signed URL
    so its comments can seek the video."""
    drafts = await get_engine().fetch(_CREATOR_DRAFTS, deliverable_id, creator_id)
    if not drafts:
        return []
    comments = await get_engine().fetch(_CREATOR_COMMENTS, deliverable_id, creator_id)
    by_draft: dict[int, list[Comment]] = {}
    for record in comments:
        by_draft.setdefault(int(record["draft"]), []).append(_comment(record))
    agreed = _agreed_rounds(drafts[0]["agreed_terms"])
    feedback = []
    for index, record in enumerate(drafts):
        url = await _sign(storage, record) if (index == 0 or not sign_latest_only) else ""
        feedback.append(
            DraftFeedback(
                draft=_version(record, url),
                comments=by_draft.get(int(record["id"]), []),
                rounds=rounds(len(drafts), agreed),
            )
        )
    return feedback
