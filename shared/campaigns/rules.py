"""Campaign and brief rules: validation, the campaign life cycle, and what changed between brief versions.

Pure functions only: the actions call these, the handlers never decide anything themselves.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.creators.rules import PLATFORM_LABELS, to_minor_units
from shared.identity.rules import CURRENCIES

NAME_MAX = 200
TEXT_MAX = 5000
LIST_ITEMS_MAX = 30
ITEM_MAX = 300
BRIEF_DELIVERABLES_MAX = 5

# What a creator can be asked to make, and where (the platforms creators sign in with).
DELIVERABLE_KINDS = ("post", "reel", "story", "video", "short", "stream")
KIND_LABELS = {"post": "Post", "reel": "Reel", "story": "Story", "video": "Video", "short": "Short", "stream": "Stream"}
PLATFORMS = ("instagram", "tiktok", "youtube", "twitch", "x")


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    ARCHIVED = "archived"


STATUS_LABELS = {
    CampaignStatus.DRAFT: "Draft",
    CampaignStatus.ACTIVE: "Active",
    CampaignStatus.COMPLETED: "Completed",
    CampaignStatus.ARCHIVED: "Archived",
}

# Where a campaign may go from each status. Archiving hides a campaign from the default lists.
CAMPAIGN_MOVES: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ARCHIVED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED}),
    CampaignStatus.COMPLETED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ARCHIVED}),
    CampaignStatus.ARCHIVED: frozenset({CampaignStatus.DRAFT}),
}


def can_move_campaign(current: str, target: str) -> bool:
    try:
        return CampaignStatus(target) in CAMPAIGN_MOVES[CampaignStatus(current)]
    except ValueError:
        return False


@dataclass(frozen=True)
class CampaignInput:
    name: str
    objective: str
    budget_minor: int
    currency: str
    starts_on: dt.date | None
    ends_on: dt.date | None


def parse_date(text: str) -> dt.date | None:
    """'2026-12-01' -> date; '' -> None; ValueError with a message otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("Enter a date like 2026-12-31.") from None


def validate_campaign(form: Mapping[str, str]) -> tuple[CampaignInput | None, dict[str, str]]:
    """The cleaned campaign fields, or field errors a person can act on."""
    errors: dict[str, str] = {}
    name = " ".join(form.get("name", "").split())
    if not name:
        errors["name"] = "Give the campaign a name, like “Spring trail launch”."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Keep the name under {NAME_MAX} characters."
    objective = form.get("objective", "").strip()
    if len(objective) > TEXT_MAX:
        errors["objective"] = f"Keep the objective under {TEXT_MAX} characters."
    currency = form.get("currency", "").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = f"Choose one of: {', '.join(CURRENCIES)}."
    budget_minor = 0
    try:
        budget_minor = to_minor_units(form.get("budget", "") or "0", currency if currency in CURRENCIES else "USD")
    except ValueError as exc:
        errors["budget"] = str(exc).replace("fee for one post", "campaign budget")
    dates: dict[str, dt.date | None] = {}
    for key in ("starts_on", "ends_on"):
        try:
            dates[key] = parse_date(form.get(key, ""))
        except ValueError as exc:
            errors[key] = str(exc)
            dates[key] = None
    if dates["starts_on"] and dates["ends_on"] and dates["ends_on"] < dates["starts_on"]:
        errors["ends_on"] = "The end date is before the start date."
    if errors:
        return None, errors
    return CampaignInput(name, objective, budget_minor, currency, dates["starts_on"], dates["ends_on"]), {}


# --- briefs -------------------------------------------------------------------------------------

# (key, label, kind): "text" is free text, "lines" one item per line, "tags" hashtags or @mentions.
BRIEF_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("objectives", "Objectives", "text"),
    ("audience", "Audience", "text"),
    ("key_messages", "Key messages", "lines"),
    ("dos", "Do", "lines"),
    ("donts", "Don't", "lines"),
    ("hashtags", "Required hashtags", "tags"),
    ("mentions", "Required mentions", "tags"),
    ("disclosure", "Disclosure requirement", "text"),
    ("timeline", "Timeline", "text"),
    ("assets", "Links to assets", "lines"),
)
FIELD_LABELS = {key: label for key, label, _kind in BRIEF_FIELDS} | {"deliverables": "Deliverables"}

DEFAULT_DISCLOSURE = "Start the caption with #ad or use the platform's paid-partnership label."

_TAG = re.compile(r"^[#@][\w.]{1,60}$")


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _tags(text: str, prefix: str) -> list[str]:
    tags: list[str] = []
    for raw in re.split(r"[\s,]+", text.strip()):
        if not raw:
            continue
        tag = raw if raw.startswith(("#", "@")) else prefix + raw
        if tag.lower() not in (t.lower() for t in tags):
            tags.append(tag)
    return tags


@dataclass(frozen=True)
class DeliverableTemplate:
    """A deliverable the brief asks for; offers start from these."""

    kind: str
    platform: str
    description: str

    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} on {platform_label(self.platform)}"


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform.title())


def parse_brief(form: Mapping[str, str]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The brief content (JSON-ready) from the editor's fields, or field errors."""
    errors: dict[str, str] = {}
    content: dict[str, Any] = {}
    for key, label, kind in BRIEF_FIELDS:
        raw = form.get(key, "")
        if len(raw) > TEXT_MAX:
            errors[key] = f"Keep “{label}” under {TEXT_MAX} characters."
            continue
        if kind == "text":
            content[key] = raw.strip()
        elif kind == "lines":
            items = _lines(raw)
            if len(items) > LIST_ITEMS_MAX or any(len(item) > ITEM_MAX for item in items):
                errors[key] = f"Use at most {LIST_ITEMS_MAX} lines of {ITEM_MAX} characters."
            content[key] = items
        else:
            items = _tags(raw, "#" if key == "hashtags" else "@")
            bad = [item for item in items if not _TAG.match(item)]
            if bad:
                errors[key] = f"“{bad[0]}” is not a valid {'hashtag' if key == 'hashtags' else 'mention'}."
            content[key] = items
    for item in content.get("assets", []):
        if not item.startswith(("https://", "http://")):
            errors["assets"] = f"Asset links must start with https:// (“{item[:40]}”)."
            break
    templates: list[dict[str, str]] = []
    for index in range(BRIEF_DELIVERABLES_MAX):
        kind = form.get(f"t{index}_kind", "").strip()
        platform = form.get(f"t{index}_platform", "").strip()
        description = form.get(f"t{index}_description", "").strip()
        if not (kind or platform or description):
            continue
        if kind not in DELIVERABLE_KINDS or platform not in PLATFORMS:
            errors[f"t{index}"] = "Choose both what to make and the platform for this deliverable."
        elif len(description) > ITEM_MAX:
            errors[f"t{index}"] = f"Keep the description under {ITEM_MAX} characters."
        templates.append({"kind": kind, "platform": platform, "description": description})
    content["deliverables"] = templates
    if errors:
        return None, errors
    return content, {}


def brief_to_form(content: Mapping[str, Any]) -> dict[str, str]:
    """The editor's fields for a stored brief (the inverse of parse_brief)."""
    form: dict[str, str] = {}
    for key, _label, kind in BRIEF_FIELDS:
        value = content.get(key, "" if kind == "text" else [])
        form[key] = value if kind == "text" else ("\n" if kind == "lines" else " ").join(value)
    for index, template in enumerate(content.get("deliverables", [])):
        form[f"t{index}_kind"] = template.get("kind", "")
        form[f"t{index}_platform"] = template.get("platform", "")
        form[f"t{index}_description"] = template.get("description", "")
    return form


def deliverable_templates(content: Mapping[str, Any]) -> list[DeliverableTemplate]:
    return [
        DeliverableTemplate(t.get("kind", ""), t.get("platform", ""), t.get("description", ""))
        for t in content.get("deliverables", [])
    ]


@dataclass(frozen=True)
class BriefChange:
    field: str
    label: str
    before: str
    after: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def _as_items(key: str, value: Any) -> list[str]:
    if key == "deliverables":
        return [
            f"{DeliverableTemplate(t.get('kind', ''), t.get('platform', ''), '').label()}"
            + (f": {t['description']}" if t.get("description") else "")
            for t in value or []
        ]
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)] if value else []


def diff_briefs(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[BriefChange]:
    """What changed from one brief version to the next, field by field (lists as added/removed items)."""
    changes: list[BriefChange] = []
    keys = [key for key, _label, _kind in BRIEF_FIELDS] + ["deliverables"]
    for key in keys:
        old, new = before.get(key), after.get(key)
        if (old or None) == (new or None):
            continue
        if isinstance(old, list) or isinstance(new, list):
            old_items, new_items = _as_items(key, old), _as_items(key, new)
            changes.append(
                BriefChange(
                    key,
                    FIELD_LABELS[key],
                    "; ".join(old_items),
                    "; ".join(new_items),
                    added=tuple(item for item in new_items if item not in old_items),
                    removed=tuple(item for item in old_items if item not in new_items),
                )
            )
        else:
            changes.append(BriefChange(key, FIELD_LABELS[key], str(old or ""), str(new or "")))
    return changes


def is_blank_brief(content: Mapping[str, Any]) -> bool:
    return not any(content.get(key) for key in FIELD_LABELS)
