"""Results rules, pure: what a go-live check found in words, when metrics are read, and the formulas.

Live post states: checking → verified | mismatch | unreachable | unsupported | reconnect. `verified` only when the
post exists, belongs to the creator's linked account, and its live caption keeps a clear disclosure and the
brief's hashtags and mentions. A reviewer may mark any other state verified by hand (audited).

Money is integer minor units; every ratio is computed with integers and rounded half up, never floats.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from shared.content.disclosure import DISCLOSURE_HASHTAGS, DisclosureResult, platform_rules

LiveState = Literal["checking", "verified", "mismatch", "unreachable", "unsupported", "reconnect"]
LIVE_STATES: tuple[LiveState, ...] = ("checking", "verified", "mismatch", "unreachable", "unsupported", "reconnect")
STATE_LABELS: dict[str, str] = {
    "checking": "Checking the post",
    "verified": "Verified",
    "mismatch": "Doesn't match",
    "unreachable": "Platform not answering",
    "unsupported": "A person verifies",
    "reconnect": "Account to reconnect",
}
# What may be verified by hand: everything the platform could not confirm, and a mismatch a person judged fine.
MANUALLY_VERIFIABLE = frozenset({"checking", "mismatch", "unreachable", "unsupported", "reconnect"})
PLATFORM_LABELS = {"instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube", "x": "X", "twitch": "Twitch"}


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform.title())


# --- what a check found, in words ---------------------------------------------------------------------------

_HASHTAG = re.compile(r"(?<![\w#&/])#(\w+)")
# Findings on the live caption that break the deal: no clear disclosure, the brief's tags gone.
_DISCLOSURE_GONE = ("disclosure_missing", "ambiguous_only", "gift_only")


@dataclass(frozen=True)
class CheckOutcome:
    state: LiveState
    problems: tuple[str, ...]  # each a sentence both sides read


def dropped_disclosures(approved_caption: str, live_caption: str) -> list[str]:
    """Disclosure hashtags the approved caption had and the live one lacks ("#ad")."""
    live = {t.lower() for t in _HASHTAG.findall(live_caption)}
    gone = [t for t in _HASHTAG.findall(approved_caption) if t.lower() in DISCLOSURE_HASHTAGS and t.lower() not in live]
    return [f"#{t}" for t in dict.fromkeys(gone)]


def caption_problems(approved_caption: str, live_caption: str, live_check: DisclosureResult) -> list[str]:
    """Why the live caption no longer holds what was approved (empty when it does)."""
    problems: list[str] = []
    codes = set(live_check.codes())
    where = platform_rules(live_check.platform).where
    dropped = dropped_disclosures(approved_caption, live_caption)
    if dropped:
        problems.append(f"The live {where} dropped {', '.join(dropped)}.")
    if codes & set(_DISCLOSURE_GONE) and not dropped:
        problems.append(f"The live {where} has no clear disclosure (#ad or “Paid partnership”).")
    for finding in live_check.findings:
        if finding.code in ("missing_hashtag", "missing_mention"):
            wanted = re.search(r"([#@][\w.]*\w)", finding.message)
            what = wanted.group(1) if wanted else "a tag"
            problems.append(f"The live {where} is missing {what}, which the brief asks for.")
        elif finding.code in ("after_truncation", "in_hashtag_block") and finding.severity == "block":
            problems.append(f"The live {where}: {finding.message}")
    return problems


def outcome_of(
    lookup_outcome: str,
    *,
    platform: str,
    handle: str,
    owner: str = "",
    problems: Sequence[str] = (),
) -> CheckOutcome:
    """The state and the sentences for what the platform answered (problems: from caption_problems)."""
    label = platform_label(platform)
    account = f"@{handle.lstrip('@')}" if handle else "the linked account"
    if lookup_outcome == "found":
        if problems:
            return CheckOutcome("mismatch", tuple(problems))
        return CheckOutcome("verified", ())
    if lookup_outcome == "not_found":
        return CheckOutcome(
            "mismatch",
            (
                f"{label} has no such post on {account}: it may have been deleted or made private, "
                "or posted from another account.",
            ),
        )
    if lookup_outcome == "wrong_owner":
        who = f"@{owner.lstrip('@')}" if owner else "another account"
        return CheckOutcome("mismatch", (f"This post is on {who}, not on {account}, the account linked in Rapport.",))
    if lookup_outcome == "reconnect" and not handle:
        return CheckOutcome(
            "reconnect",
            (
                f"No {label} account is linked to this creator in Rapport: the creator connects one (Accounts), "
                "or someone at the brand checks the post and marks it verified.",
            ),
        )
    if lookup_outcome == "reconnect":
        return CheckOutcome(
            "reconnect",
            (
                f"Rapport can't read {account} on {label} (its access expired or was never given): the creator "
                "reconnects the account in Rapport (Accounts), or someone at the brand checks the post and marks it "
                "verified.",
            ),
        )
    if lookup_outcome in ("rate_limited", "unreachable"):
        why = "asked us to slow down" if lookup_outcome == "rate_limited" else "did not answer"
        return CheckOutcome("unreachable", (f"{label} {why}; Rapport tries again within the hour.",))
    return CheckOutcome(
        "unsupported",
        (f"Rapport can't read {label} posts: someone at the brand checks the post and marks it verified.",),
    )


# --- when metrics are read --------------------------------------------------------------------------------

FIRST_READS = (dt.timedelta(hours=1), dt.timedelta(hours=24), dt.timedelta(days=7), dt.timedelta(days=30))
WEEKLY = dt.timedelta(days=7)
READ_UNTIL = dt.timedelta(days=90)  # weekly after the 30th day, up to here (the usage window Rapport assumes)
RECHECK_EVERY = dt.timedelta(days=1)  # a verified post is checked again daily while metrics are read


def read_offset(reads_done: int) -> dt.timedelta | None:
    """How long after go-live the next reading is due, given how many were done; None when no more are."""
    if reads_done < len(FIRST_READS):
        return FIRST_READS[reads_done]
    offset = FIRST_READS[-1] + WEEKLY * (reads_done - len(FIRST_READS) + 1)
    return offset if offset <= READ_UNTIL else None


def next_read_at(live_at: dt.datetime, reads_done: int) -> dt.datetime | None:
    offset = read_offset(reads_done)
    return live_at + offset if offset is not None else None


# --- the numbers and the formulas -------------------------------------------------------------------------

METRICS = ("views", "reach", "likes", "comments", "shares", "saves")
ENGAGEMENTS = ("likes", "comments", "shares", "saves")
METRIC_LABELS = {
    "views": "Views",
    "reach": "Reach",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "saves": "Saves",
}


def ratio_half_up(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator rounded half up, in integers (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def engagements(numbers: dict[str, int | None]) -> int | None:
    """Likes + comments + shares + saves, of those the platform gives; None when it gives none of them."""
    given = [numbers[m] for m in ENGAGEMENTS if numbers.get(m) is not None]
    return sum(v for v in given if v is not None) if given else None


def cpm_minor(spend_minor: int, views: int | None) -> int | None:
    """Cost per 1,000 views: spend ÷ views × 1,000, in minor units."""
    if not views:
        return None
    return ratio_half_up(spend_minor * 1000, views)


def cpe_minor(spend_minor: int, engaged: int | None) -> int | None:
    """Cost per engagement: spend ÷ engagements, in minor units."""
    if not engaged:
        return None
    return ratio_half_up(spend_minor, engaged)


def cpc_minor(spend_minor: int, clicks: int | None) -> int | None:
    """Cost per click on the tracked link: spend ÷ clicks, in minor units."""
    if not clicks:
        return None
    return ratio_half_up(spend_minor, clicks)


def engagement_rate_bp(engaged: int | None, views: int | None) -> int | None:
    """Engagement rate: engagements ÷ views, in basis points (1% = 100)."""
    if engaged is None or not views:
        return None
    return ratio_half_up(engaged * 10_000, views)


def format_bp(bp: int | None) -> str:
    """Basis points as a percentage with two decimals (523 → '5.23%')."""
    if bp is None:
        return "not available"
    return f"{bp // 100}.{bp % 100:02d}%"


def sum_given(values: Iterable[int | None]) -> int | None:
    """The sum of the values given; None when none was."""
    given = [v for v in values if v is not None]
    return sum(given) if given else None
