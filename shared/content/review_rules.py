"""Review rules: who decides on a draft, what a decision needs, which drafts may be approved in bulk,
and how a moment of a video is written. Pure functions only."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from shared.content.rules import DECISION_LABELS, DECISIONS, DeliverableVerb, ReviewDecision
from shared.identity.rules import Role

COMMENT_MAX = 5000
# A comment's moment is inside the video: nothing we accept is longer than a day.
AT_MS_MAX = 24 * 60 * 60 * 1000
BULK_MAX = 100  # drafts approved in one go (a page of the queue)
QUEUE_PAGE_SIZE = 50

DECIDERS = (Role.OWNER, Role.MANAGER, Role.REVIEWER)


def can_decide(role: Role | None) -> bool:
    """Owners, managers and reviewers decide on drafts and comment; finance and viewers only look."""
    return role in DECIDERS


def decision_verb(decision: ReviewDecision) -> DeliverableVerb:
    """The deliverable's move for a decision (both kinds of approval approve it)."""
    return "request_changes" if decision == "changes_requested" else "approve"


def parse_decision(text: str) -> ReviewDecision | None:
    for decision in DECISIONS:
        if decision == text:
            return decision
    return None


def decision_label(decision: str) -> str:
    return DECISION_LABELS.get(decision, decision)


def clean_comment(body: str) -> tuple[str, str]:
    """The comment as it will be stored, and an error a person can act on ('' when it is fine)."""
    cleaned = body.strip()
    if not cleaned:
        return cleaned, "Write a comment first."
    if len(cleaned) > COMMENT_MAX:
        return cleaned, f"Keep a comment under {COMMENT_MAX:,} characters (this one has {len(cleaned):,})."
    return cleaned, ""


def check_at_ms(at_ms: int | None) -> str:
    """Why this video moment is not acceptable ('' when it is, or when there is none)."""
    if at_ms is None:
        return ""
    if not 0 <= at_ms <= AT_MS_MAX:
        return "That moment is not inside the video; play to the moment and try again."
    return ""


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:\.(\d{1,3}))?$")


def parse_at_ms(text: str) -> tuple[int | None, str]:
    """A video moment from a form: milliseconds ('12500') or a clock ('0:12', '1:02:03'); '' is no moment."""
    text = text.strip()
    if not text:
        return None, ""
    if text.isdigit():
        value = int(text[:12])
        return value, check_at_ms(value)
    match = _CLOCK.match(text)
    if not match:
        return None, "Write the moment as minutes:seconds, for example 0:12."
    hours, minutes, seconds, fraction = match.groups()
    if int(seconds) >= 60:
        return None, "Write the moment as minutes:seconds, for example 0:12."
    value = ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int((fraction or "0").ljust(3, "0"))
    return value, check_at_ms(value)


def format_at(at_ms: int) -> str:
    """A video moment as people read it: 0:12, 4:05, 1:02:03."""
    seconds = at_ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def note_needed(decision: ReviewDecision, *, has_shared_comment: bool) -> str:
    """Why a decision cannot be made without a note ('' when it can): the creator must learn what to change."""
    if has_shared_comment:
        return ""
    if decision == "changes_requested":
        return "Tell the creator what to change: write a note (it is shared with them) or a shared comment first."
    if decision == "approved_with_notes":
        return "Write the notes for the creator, or choose plain approve."
    return ""


def approval_refused(decision: ReviewDecision, verdict: str) -> str:
    """Why this draft cannot be approved given its disclosure verdict ('' when it can)."""
    if decision != "changes_requested" and verdict == "block":
        return (
            "This draft can't be approved: its disclosure check blocks it. "
            "Request changes so the creator fixes the disclosure."
        )
    return ""


def bulk_refusal(*, content_type: str, verdict: str, decided: bool, latest: bool) -> str:
    """Why a draft is left out of a bulk approval ('' when it is approved with the others)."""
    if decided or not latest:
        return "already decided"
    if not content_type.startswith("image/"):
        return "a video is reviewed on its own screen"
    if verdict == "block":
        return "its disclosure check blocks it"
    return ""


def is_review_overdue(review_due_at: dt.datetime | None, now: dt.datetime) -> bool:
    """The brand promised a decision by review_due_at and has not given one."""
    return review_due_at is not None and review_due_at < now


def due_in_words(review_due_at: dt.datetime | None, now: dt.datetime) -> str:
    """'due in 2 days', 'due in 5 hours', 'overdue by 1 day': the promise, as people say it."""
    if review_due_at is None:
        return "no turnaround promised"
    delta = review_due_at - now
    late = delta.total_seconds() < 0
    seconds = abs(int(delta.total_seconds()))
    # Days to the nearest whole day: a 3-day promise made a minute ago reads "due in 3 days", not 2.
    if seconds >= 86400:
        amount, unit = (seconds + 43200) // 86400, "day"
    elif seconds >= 3600:
        amount, unit = seconds // 3600, "hour"
    else:
        amount, unit = max(seconds // 60, 1), "minute"
    text = f"{amount} {unit}{'s' if amount != 1 else ''}"
    return f"overdue by {text}" if late else f"due in {text}"


def comment_moment(form: Mapping[str, str]) -> tuple[int | None, str]:
    """The video moment a comment form carries: the browser fills at_ms from the video's current time when
    "at the current time" is ticked; unticked means no moment."""
    if not form.get("at_current"):
        return None, ""
    at_ms, error = parse_at_ms(form.get("at_ms", ""))
    if at_ms is None and not error:
        error = "The video's time could not be read; play the video to the moment, or untick “at the current time”."
    return at_ms, error
