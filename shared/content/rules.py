"""Content rules: what a deliverable accepts, where its drafts are stored, the review state machine,
revision rounds, and telling a file's real type from its first bytes. Pure functions only.

Deliverable (docs/design.md): pending → draft_submitted → changes_requested ⇄ draft_submitted → approved →
live (URL) → verified. Draft upload: initiated → uploaded → verified | rejected (abandoned when a
multipart upload was given up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.errors import IllegalTransition
from shared.integrations.storage import safe_filename

# --- what a deliverable accepts ------------------------------------------------------------------

GIB = 1024**3
MIB = 1024**2

VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")


@dataclass(frozen=True)
class MediaLimits:
    content_types: tuple[str, ...]
    max_bytes: int

    @property
    def accepts_video(self) -> bool:
        return any(t.startswith("video/") for t in self.content_types)

    def describe(self) -> str:
        kinds = []
        if self.accepts_video:
            kinds.append("video (MP4, MOV or WebM)")
        if any(t.startswith("image/") for t in self.content_types):
            kinds.append("image (JPEG, PNG, WebP or HEIC)")
        size = f"{self.max_bytes // GIB} GB" if self.max_bytes >= GIB else f"{self.max_bytes // MIB} MB"
        return f"{' or '.join(kinds)}, up to {size}"


# Phones record 4K video at ~400 MB a minute: 10 GiB covers a long take (S3 allows 5 TiB).
VIDEO_MAX_BYTES = 10 * GIB
IMAGE_MAX_BYTES = 50 * MIB

_LIMITS = {
    "post": MediaLimits(IMAGE_TYPES + VIDEO_TYPES, VIDEO_MAX_BYTES),  # a post may be a photo or a video
    "reel": MediaLimits(VIDEO_TYPES, VIDEO_MAX_BYTES),
    "story": MediaLimits(VIDEO_TYPES + IMAGE_TYPES, VIDEO_MAX_BYTES),
    "video": MediaLimits(VIDEO_TYPES, VIDEO_MAX_BYTES),
    "short": MediaLimits(VIDEO_TYPES, VIDEO_MAX_BYTES),
    "stream": MediaLimits(VIDEO_TYPES, VIDEO_MAX_BYTES),  # a highlight or the recording
}


def media_limits(kind: str) -> MediaLimits:
    """The file types and size a deliverable of this kind accepts."""
    return _LIMITS.get(kind, MediaLimits(IMAGE_TYPES + VIDEO_TYPES, VIDEO_MAX_BYTES))


def asks_for_spoken_disclosure(kind: str, content_type: str) -> bool:
    """Video and stories also need the disclosure on screen and spoken; the creator confirms it."""
    return kind == "story" or content_type.startswith("video/")


def check_declared_file(kind: str, *, filename: str, content_type: str, size: int) -> str | None:
    """Why this file can't be uploaded for a deliverable of this kind, or None when it can."""
    limits = media_limits(kind)
    if content_type not in limits.content_types:
        return f"This deliverable takes {limits.describe()}; “{filename}” is {content_type or 'of an unknown type'}."
    if size <= 0:
        return f"“{filename}” is empty."
    if size > limits.max_bytes:
        return f"“{filename}” is larger than this deliverable takes: {limits.describe()}."
    return None


def storage_key(*, creator_id: int, deliverable_id: int, draft_id: int, filename: str) -> str:
    """Where a draft's file lives, chosen by the server and scoped to creator / deliverable / draft."""
    return f"creators/{creator_id}/deliverables/{deliverable_id}/drafts/{draft_id}/{safe_filename(filename)}"


# --- the real type, from the first bytes ---------------------------------------------------------


def sniff_content_type(head: bytes) -> str | None:
    """The type a file's first bytes say it is (what it claims does not count), or None if unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "image/heic"
        return "video/mp4"  # isom, mp41, mp42, avc1, iso5, M4V…: the MP4 family
    return None


def same_media(declared: str, sniffed: str | None) -> bool:
    """Whether the real type fits what was declared (MOV and MP4 share a container family)."""
    if sniffed is None:
        return False
    family = {"video/quicktime": "video/mp4"}
    return family.get(declared, declared) == family.get(sniffed, sniffed)


# --- deliverable and draft state machines ----------------------------------------------------------

DeliverableStatus = Literal["pending", "draft_submitted", "changes_requested", "approved", "live", "verified"]
DeliverableVerb = Literal["submit_draft", "request_changes", "approve", "go_live", "verify"]

DELIVERABLE_MOVES: dict[DeliverableVerb, dict[str, str]] = {
    "submit_draft": {"pending": "draft_submitted", "changes_requested": "draft_submitted"},
    "request_changes": {"draft_submitted": "changes_requested"},
    "approve": {"draft_submitted": "approved"},
    "go_live": {"approved": "live"},
    "verify": {"live": "verified"},
}

_DELIVERABLE_WHY = {
    "pending": "no draft has been sent yet",
    "draft_submitted": "a draft is waiting for review",
    "changes_requested": "changes were requested on the last draft",
    "approved": "the draft is approved",
    "live": "the post is live",
    "verified": "the post is live and verified",
}
_VERB_TEXT = {
    "submit_draft": "send a draft now",
    "request_changes": "request changes now",
    "approve": "approve now",
    "go_live": "submit the live post yet",
    "verify": "verify it yet",
}


def next_deliverable_status(current: str, verb: DeliverableVerb) -> str:
    """The status after `verb`; IllegalTransition with a plain reason when not allowed."""
    moves = DELIVERABLE_MOVES[verb]
    if current not in moves:
        raise IllegalTransition(f"You can't {_VERB_TEXT[verb]}: {_DELIVERABLE_WHY.get(current, current)}.")
    return moves[current]


UPLOAD_STATES = ("initiated", "uploaded", "verified", "rejected", "abandoned")


@dataclass(frozen=True)
class Rounds:
    """Revision rounds: the first draft is round 1; each draft after "changes requested" is one more."""

    current: int
    agreed: int  # rounds of changes included in the deal

    @property
    def included(self) -> int:
        return self.agreed + 1  # the first draft plus the agreed rounds of changes

    @property
    def beyond_agreement(self) -> bool:
        return self.current > self.included

    def label(self) -> str:
        return f"round {self.current} of {self.included}"


def rounds(submitted_drafts: int, agreed_revision_rounds: int) -> Rounds:
    """The round a deliverable is in, counting the drafts sent for review (the next upload's round)."""
    return Rounds(max(submitted_drafts, 1), agreed_revision_rounds)


ReviewDecision = Literal["approved", "approved_with_notes", "changes_requested"]
DECISIONS: tuple[ReviewDecision, ...] = ("approved", "approved_with_notes", "changes_requested")
DECISION_LABELS = {
    "approved": "Approved",
    "approved_with_notes": "Approved with notes",
    "changes_requested": "Changes requested",
}


# --- telling the creator what a file is -------------------------------------------------------------

_TYPE_NAMES = {
    "video/mp4": "an MP4 video",
    "video/quicktime": "a MOV video",
    "video/webm": "a WebM video",
    "image/jpeg": "a JPEG image",
    "image/png": "a PNG image",
    "image/webp": "a WebP image",
    "image/heic": "a HEIC image",
}


def describe_type(content_type: str | None) -> str:
    """A file type in words ("a PNG image"), for messages the creator reads."""
    if not content_type:
        return "not a video or image we recognise"
    return _TYPE_NAMES.get(content_type, f"of type {content_type}")


def mislabeled_reason(declared: str, sniffed: str | None) -> str:
    """Why a file whose first bytes disagree with its declared type was refused."""
    said = describe_type(declared).removeprefix("an ").removeprefix("a ")
    if sniffed is None:
        return f"This file is not a video or image we recognise, not the {said} it said it was."
    return f"This file is {describe_type(sniffed)}, not the {said} it said it was."


# --- go-live: the post must be on the deliverable's platform ------------------------------------------

LIVE_HOSTS: dict[str, tuple[str, ...]] = {
    "instagram": ("instagram.com",),
    "tiktok": ("tiktok.com",),
    "youtube": ("youtube.com", "youtu.be"),
    "twitch": ("twitch.tv",),
    "x": ("x.com", "twitter.com"),
}
LIVE_URLS_MAX = 5


def check_live_urls(platform: str, urls: list[str]) -> tuple[list[str], str | None]:
    """The cleaned live post URLs, or why they can't be accepted (https, on the deliverable's platform)."""
    from urllib.parse import urlsplit

    cleaned = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    hosts = LIVE_HOSTS.get(platform, ())
    if not cleaned:
        return [], "Paste the link to your live post."
    if len(cleaned) > LIVE_URLS_MAX:
        return [], f"Give at most {LIVE_URLS_MAX} links."
    for url in cleaned:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme != "https" or len(url) > 500:
            return [], f"“{url[:80]}” is not an https:// link; copy the post's link from the app's Share menu."
        if not any(host == h or host.endswith("." + h) for h in hosts):
            names = " or ".join(hosts) or platform
            return [], f"“{url[:80]}” is not on {names}; this deliverable is for {platform.title()}."
    return cleaned, None
